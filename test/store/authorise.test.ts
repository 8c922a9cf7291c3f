import assert from 'node:assert/strict';
import type { Rate } from '../../daemon/src/rating/index.js';
import { callCost } from '../../daemon/src/rating/index.js';
import type { AuthoriseRequest } from '../../daemon/src/session/ports.js';
import { StoreError } from '../../daemon/src/store/errors.js';
import { forEachDatabase, money, uniqueName, type TestStore } from '../support/db.js';

describe('authorising a call', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;
    let rate: Rate;
    const req = (accountId: number, extra: Partial<AuthoriseRequest> = {}): AuthoriseRequest => ({
      uniqueid: uniqueName('call'),
      accountId,
      src: '15550100',
      dst: '447700900123',
      rate,
      node: 'node1',
      defaultMaxSeconds: 3600,
      start: new Date(),
      ...extra,
    });

    before(async () => {
      t = await tdb.open();
      // 0.05/min on 60/6 with a 0.10 connection fee.
      rate = await t.seedRate({
        tariff: 'default',
        prefix: '44',
        rate: '0.05',
        connect: '0.10',
        initial: 60,
        increment: 6,
      });
    });

    it('grants the longest affordable time and reserves its cost', async () => {
      const a = await t.seedAccount({ balance: '1' });
      const r = req(a.id);
      const res = await t.store.authorise(r);
      assert.deepEqual(res, {
        ok: true,
        maxSeconds: 1080,
        maxCost: money('1'),
        available: money('1'),
      });
      const acct = await t.store.accountByName(a.name);
      assert.equal(acct?.reserved, money('1'));
      assert.equal(acct?.balance, money('1'));
      const [live] = await t.store
        .reservations('node1')
        .then((l) => l.filter((x) => x.uniqueid === r.uniqueid));
      assert.deepEqual(
        [live?.account, live?.maxSeconds, live?.maxCost],
        [a.name, 1080, money('1')],
      );
      const cdr = await t.store.cdr(r.uniqueid);
      assert.equal(cdr?.status, 'open');
      assert.equal(cdr?.prefix, '44');
      assert.deepEqual(cdr?.rate, {
        ratePerMin: money('0.05'),
        connectFee: money('0.10'),
        initialSecs: 60,
        incrementSecs: 6,
        minSecs: 0,
      });
      assert.equal(cdr?.maxCost, money('1'));
    });

    it('caps the grant at the account maximum, else at the global default, on a billing boundary', async () => {
      const capped = await t.seedAccount({ balance: '100', maxSeconds: 100 });
      const r1 = await t.store.authorise(req(capped.id));
      assert.equal(r1.ok && r1.maxSeconds, 96);
      const global = await t.seedAccount({ balance: '100' });
      const r2 = await t.store.authorise(req(global.id, { defaultMaxSeconds: 125 }));
      assert.equal(r2.ok && r2.maxSeconds, 120);
      assert.equal(r2.ok && r2.maxCost, callCost(rate, 120));
    });

    it('counts the credit limit and earlier reservations in what is available', async () => {
      const a = await t.seedAccount({ balance: '0.10', creditLimit: '0.15' });
      const first = await t.store.authorise(req(a.id));
      // 0.25 available: 0.10 fee + 3 minutes at 0.05.
      assert.equal(first.ok && first.maxSeconds, 180);
      const second = await t.store.authorise(req(a.id));
      assert.deepEqual(second, { ok: false, reason: 'NOCREDIT', available: 0n });
    });

    it('refuses a blocked account, the call limit and no credit, each with a FAILED CDR', async () => {
      const blocked = await t.seedAccount({ balance: '10' });
      await t.store.setAccountStatus(blocked.name, 'blocked');
      const limited = await t.seedAccount({ balance: '10', maxCalls: 1 });
      const poor = await t.seedAccount({ balance: '0.14999' });
      const cases: Array<[number, string]> = [
        [blocked.id, 'BLOCKED'],
        [poor.id, 'NOCREDIT'],
      ];
      assert.equal((await t.store.authorise(req(limited.id))).ok, true);
      cases.push([limited.id, 'LIMIT']);
      for (const [id, reason] of cases) {
        const r = req(id);
        const res = await t.store.authorise(r);
        assert.equal(res.ok, false);
        assert.equal(!res.ok && res.reason, reason);
        const cdr = await t.store.cdr(r.uniqueid);
        assert.deepEqual(
          [cdr?.disposition, cdr?.reason, cdr?.cost, cdr?.status],
          ['FAILED', reason, 0n, 'settled'],
        );
        assert.equal(
          (await t.store.reservations()).some((x) => x.uniqueid === r.uniqueid),
          false,
        );
      }
      assert.equal((await t.store.accountByName(poor.name))?.reserved, 0n);
    });

    it('is idempotent per uniqueid: a repeated authorise returns the same grant and reserves once', async () => {
      const a = await t.seedAccount({ balance: '1' });
      const r = req(a.id);
      const first = await t.store.authorise(r);
      const again = await t.store.authorise(r);
      assert.equal(first.ok && again.ok, true);
      assert.equal(again.ok && again.maxSeconds, first.ok && first.maxSeconds);
      assert.equal((await t.store.accountByName(a.name))?.reserved, money('1'));
      const refusedReq = req(a.id);
      const refused = await t.store.authorise(refusedReq);
      assert.equal(!refused.ok && refused.reason, 'NOCREDIT');
      const refusedAgain = await t.store.authorise(refusedReq);
      assert.equal(!refusedAgain.ok && refusedAgain.reason, 'NOCREDIT');
    });

    it('will not re-authorise a call that was already settled', async () => {
      const a = await t.seedAccount({ balance: '1' });
      const r = req(a.id);
      await t.store.authorise(r);
      await t.store.settle({
        uniqueid: r.uniqueid,
        disposition: 'BUSY',
        hangupCause: 17,
        answer: null,
        end: new Date(),
        billsec: 0,
      });
      await assert.rejects(
        t.store.authorise(r),
        (e: unknown) => e instanceof StoreError && e.code === 'CONFLICT',
      );
    });

    it('refuses a call id another node already used, instead of sharing its reservation', async () => {
      const a = await t.seedAccount({ balance: '1' });
      const r = req(a.id);
      assert.equal((await t.store.authorise(r)).ok, true);
      await assert.rejects(
        t.store.authorise({ ...r, node: 'node2' }),
        (e: unknown) => e instanceof StoreError && e.code === 'CONFLICT' && /node1/.test(e.message),
      );
      const acct = await t.store.accountByName(a.name);
      assert.equal(acct?.reserved, money('1'), 'reserved once, by node1');
    });

    it('records refusals made before authorisation once per uniqueid', async () => {
      const a = await t.seedAccount({ balance: '1' });
      const uniqueid = uniqueName('refused');
      const rec = {
        uniqueid,
        accountId: a.id,
        src: '15550100',
        dst: '99',
        reason: 'NOROUTE' as const,
        node: 'node1',
        start: new Date(),
      };
      await t.store.recordRefusal(rec);
      await t.store.recordRefusal(rec);
      await t.store.recordRefusal({
        ...rec,
        uniqueid: `${uniqueid}-anon`,
        accountId: null,
        reason: 'BADPIN',
      });
      const cdr = await t.store.cdr(uniqueid);
      assert.deepEqual(
        [cdr?.account, cdr?.reason, cdr?.disposition, cdr?.cost],
        [a.name, 'NOROUTE', 'FAILED', 0n],
      );
      assert.equal((await t.store.cdr(`${uniqueid}-anon`))?.accountId, null);
      const n = (await t.knex('astcdr').where({ uniqueid }).count({ n: '*' })) as Array<{
        n: unknown;
      }>;
      assert.equal(Number(n[0]?.n), 1);
    });

    it('marks the answer time on the open CDR and the reservation', async () => {
      const a = await t.seedAccount({ balance: '1' });
      const r = req(a.id);
      await t.store.authorise(r);
      const answer = new Date('2030-01-02T03:04:05.678Z');
      await t.store.markAnswered(r.uniqueid, answer);
      assert.equal((await t.store.cdr(r.uniqueid))?.answer?.toISOString(), answer.toISOString());
      const res = (await t.store.reservations()).find((x) => x.uniqueid === r.uniqueid);
      assert.equal(res?.answer?.toISOString(), answer.toISOString());
    });
  });
});

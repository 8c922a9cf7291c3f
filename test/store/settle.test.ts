import assert from 'node:assert/strict';
import type { Rate } from '../../daemon/src/rating/index.js';
import type { AuthoriseRequest, SettleRequest } from '../../daemon/src/session/ports.js';
import { saveCheckpoints } from '../../daemon/src/store/checkpoints.js';
import { forEachDatabase, money, uniqueName, type TestStore } from '../support/db.js';

describe('settling a call', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;
    let rate: Rate;
    const start = new Date('2030-05-01T10:00:00.000Z');
    const at = (s: number) => new Date(start.getTime() + s * 1000);

    async function grant(accountId: number, r: Rate = rate): Promise<string> {
      const req: AuthoriseRequest = {
        uniqueid: uniqueName('call'),
        accountId,
        src: '1555',
        dst: '447700900123',
        rate: r,
        node: 'node1',
        defaultMaxSeconds: 3600,
        start,
      };
      const res = await t.store.authorise(req);
      assert.equal(res.ok, true);
      return req.uniqueid;
    }
    const answered = (
      uniqueid: string,
      billsec: number,
      extra: Partial<SettleRequest> = {},
    ): SettleRequest => ({
      uniqueid,
      disposition: 'ANSWERED',
      hangupCause: 16,
      answer: at(5),
      end: at(5 + billsec),
      billsec,
      ...extra,
    });

    before(async () => {
      t = await tdb.open();
      rate = await t.seedRate({
        tariff: 'default',
        prefix: '44',
        rate: '0.05',
        connect: '0.10',
        initial: 60,
        increment: 6,
      });
    });

    it('charges exactly: 95 s at 0.05/min on 60/6 with a 0.10 connection fee costs 0.18', async () => {
      const a = await t.seedAccount({ balance: '10' });
      const id = await grant(a.id);
      const res = await t.store.settle(answered(id, 95));
      assert.deepEqual(res, {
        settled: true,
        cost: money('0.18'),
        billsec: 95,
        balanceAfter: money('9.82'),
      });
      const acct = await t.store.accountByName(a.name);
      assert.deepEqual([acct?.balance, acct?.reserved], [money('9.82'), 0n]);
      const cdr = await t.store.cdr(id);
      assert.deepEqual(
        [cdr?.status, cdr?.disposition, cdr?.billsec, cdr?.duration, cdr?.cost, cdr?.hangupCause],
        ['settled', 'ANSWERED', 95, 100, money('0.18'), 16],
      );
      assert.equal(cdr?.answer?.toISOString(), at(5).toISOString());
      assert.equal(cdr?.end?.toISOString(), at(100).toISOString());
      assert.equal(
        (await t.store.reservations()).some((r) => r.uniqueid === id),
        false,
      );
      const ledger = await t.store.ledger(a.id);
      assert.deepEqual(
        ledger.map((e) => [e.kind, e.amount, e.balanceAfter, e.reference]),
        [
          ['topup', money('10'), money('10'), null],
          ['charge', -money('0.18'), money('9.82'), id],
        ],
      );
    });

    it('settles once: a second settle changes nothing and reports the recorded values', async () => {
      const a = await t.seedAccount({ balance: '10' });
      const id = await grant(a.id);
      await t.store.settle(answered(id, 95));
      const again = await t.store.settle(answered(id, 300));
      assert.deepEqual(again, {
        settled: false,
        cost: money('0.18'),
        billsec: 95,
        balanceAfter: money('9.82'),
      });
      const charges = (await t.store.ledger(a.id)).filter((e) => e.kind === 'charge');
      assert.equal(charges.length, 1);
      assert.equal(await t.store.ledgerSum(a.id), (await t.store.accountByName(a.name))?.balance);
    });

    it('settles concurrently-delivered duplicate ends exactly once', async () => {
      const a = await t.seedAccount({ balance: '10' });
      const id = await grant(a.id);
      const results = await Promise.all(
        Array.from({ length: 8 }, () => t.store.settle(answered(id, 61))),
      );
      assert.equal(results.filter((r) => r.settled).length, 1);
      assert.equal((await t.store.accountByName(a.name))?.balance, money('10') - money('0.155'));
    });

    it('never bills past the granted time when the limit fires a little late', async () => {
      const a = await t.seedAccount({ balance: '0.25' });
      const id = await grant(a.id);
      const res = await t.store.settle(answered(id, 181));
      assert.equal(res.billsec, 180);
      assert.equal(res.cost, money('0.25'));
      assert.equal(res.balanceAfter, 0n);
    });

    it('bills an end it did not see no lower than the checkpoint on the CDR (the talk the daemon proved)', async () => {
      const a = await t.seedAccount({ balance: '10' });
      const id = await grant(a.id);
      const seen = await grant(a.id);
      // Checkpoints committed while the unseen end was being decided from an older stamp.
      await saveCheckpoints(t.knex, [{ uniqueid: id, seconds: 101 }], at(106));
      await saveCheckpoints(t.knex, [{ uniqueid: seen, seconds: 101 }], at(106));
      const res = await t.store.settle(answered(id, 95, { endSource: 'last-up' }));
      assert.deepEqual([res.billsec, res.cost], [101, money('0.185')]);
      const cdr = await t.store.cdr(id);
      assert.deepEqual([cdr?.billsec, cdr?.end?.toISOString()], [101, at(106).toISOString()]);
      // An end it saw comes from Asterisk's timestamps: exact, whatever a checkpoint says.
      assert.equal((await t.store.settle(answered(seen, 95))).billsec, 95);
      const acct = await t.store.accountByName(a.name);
      assert.deepEqual(
        [acct?.balance, acct?.reserved],
        [money('10') - money('0.185') - money('0.18'), 0n],
      );
    });

    it('charges nothing for unanswered calls and releases the reservation', async () => {
      const a = await t.seedAccount({ balance: '1' });
      for (const disposition of ['BUSY', 'NO ANSWER', 'CONGESTION', 'CANCEL', 'FAILED'] as const) {
        const id = await grant(a.id);
        const res = await t.store.settle({
          uniqueid: id,
          disposition,
          hangupCause: 17,
          answer: null,
          end: at(20),
          billsec: 12,
        });
        assert.deepEqual(res, { settled: true, cost: 0n, billsec: 0, balanceAfter: money('1') });
        const cdr = await t.store.cdr(id);
        assert.deepEqual(
          [cdr?.disposition, cdr?.billsec, cdr?.duration, cdr?.answer],
          [disposition, 0, 20, null],
        );
      }
      const acct = await t.store.accountByName(a.name);
      assert.deepEqual([acct?.balance, acct?.reserved], [money('1'), 0n]);
      assert.equal((await t.store.ledger(a.id)).length, 1);
    });

    it('answers an unknown uniqueid with settled: false and cost 0', async () => {
      assert.deepEqual(await t.store.settle(answered('no-such-call', 10)), {
        settled: false,
        cost: 0n,
        billsec: 0,
        balanceAfter: 0n,
      });
    });

    it('bills with the rate granted at authorisation, not a rate changed since', async () => {
      const r = await t.seedRate({
        tariff: 'snap',
        prefix: '1',
        rate: '0.60',
        connect: '0',
        initial: 1,
        increment: 1,
      });
      const a = await t.seedAccount({ balance: '10', tariff: 'snap' });
      const id = await grant(a.id, r);
      await t.seedRate({
        tariff: 'snap',
        prefix: '1',
        rate: '6.00',
        connect: '1',
        initial: 60,
        increment: 60,
      });
      const res = await t.store.settle(answered(id, 10));
      assert.equal(res.cost, money('0.10'));
    });

    it('keeps the answer time marked during the call when the end carries none', async () => {
      const a = await t.seedAccount({ balance: '1' });
      const id = await grant(a.id);
      await t.store.markAnswered(id, at(3));
      await t.store.settle(answered(id, 7, { answer: null }));
      assert.equal((await t.store.cdr(id))?.answer?.toISOString(), at(3).toISOString());
    });

    it('keeps balance equal to the sum of the ledger through a day of traffic', async () => {
      const a = await t.seedAccount({ balance: '3' });
      for (let i = 0; i < 12; i++) {
        const id = await grant(a.id);
        await t.store.settle(
          answered(id, i * 17, i % 3 === 0 ? { disposition: 'NO ANSWER', answer: null } : {}),
        );
        if (i % 4 === 0) await t.store.topup(a.name, money('0.33333'));
      }
      const acct = await t.store.accountByName(a.name);
      assert.equal(await t.store.ledgerSum(a.id), acct?.balance);
      assert.equal(acct?.reserved, 0n);
    });
  });
});

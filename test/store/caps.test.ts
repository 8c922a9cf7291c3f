/**
 * Spend caps in the authorise / extend transactions, read under the account lock: two store
 * instances (two daemons) authorising at once on one account never reserve past a cap, and an
 * extension never grows a call past it.
 */
import assert from 'node:assert/strict';
import type { Rate } from '../../daemon/src/rating/index.js';
import type { AuthoriseRequest } from '../../daemon/src/session/ports.js';
import { forEachDatabase, money, uniqueName, type TestStore } from '../support/db.js';

describe('spend caps in the money transactions', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let t1: TestStore;
    let t2: TestStore;
    let rate: Rate;
    before(async () => {
      t1 = await tdb.open({ poolMax: 6 });
      t2 = await tdb.open({ poolMax: 6 });
      // 1.00 a call when calls are capped at 60 s: 0.10 fee + 0.90/min, 60/60.
      rate = await t1.seedRate({
        tariff: 'caps',
        prefix: '1',
        rate: '0.90',
        connect: '0.10',
        initial: 60,
        increment: 60,
      });
    });
    const req = (accountId: number): AuthoriseRequest => ({
      uniqueid: uniqueName('cap'),
      accountId,
      src: '1',
      dst: '15550000',
      rate,
      node: 'node1',
      defaultMaxSeconds: 3600,
      start: new Date(),
    });

    async function invariants(t: TestStore, id: number, name: string) {
      const a = (await t.store.accountByName(name))!;
      assert.equal(await t.store.ledgerSum(id), a.balance, 'balance = ledger sum');
      const [{ s }] = (await t
        .knex('astcreditres')
        .where({ account_id: id })
        .sum({ s: 'max_cost' })) as [{ s: unknown }];
      assert.equal(BigInt(String(s ?? 0)), a.reserved, 'reserved = sum of reservations');
      return a;
    }

    it('lets 40 calls on two daemons at once reserve exactly the 5.00 day cap of a 100.00 account', async () => {
      const a = await t1.seedAccount({ tariff: 'caps', balance: '100', maxSeconds: 60 });
      await t1.store.setCaps(a.name, { dayMax: money('5') });
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? t2 : t1).store.authorise(req(a.id))),
      );
      assert.equal(results.filter((r) => r.ok).length, 5);
      assert.equal(results.filter((r) => !r.ok && r.reason === 'CAP_DAY').length, 35);
      const after = await invariants(t1, a.id, a.name);
      assert.equal(after.reserved, money('5'));
      const refused = (await t1
        .knex('astcdr')
        .where({ account_id: a.id, reason: 'CAP_DAY' })
        .count({ n: '*' })) as [{ n: number | string }];
      assert.equal(Number(refused[0].n), 35, 'a FAILED CDR for each refusal');
    });

    it('counts settled calls of the day: after 3.00 spent, a 4.00 day cap leaves one call', async () => {
      const a = await t1.seedAccount({ tariff: 'caps', balance: '100', maxSeconds: 60 });
      for (let i = 0; i < 3; i++) {
        const r = req(a.id);
        assert.equal((await t1.store.authorise(r)).ok, true);
        const at = new Date();
        await t1.store.settle({
          uniqueid: r.uniqueid,
          disposition: 'ANSWERED',
          hangupCause: 16,
          answer: at,
          end: at,
          billsec: 60,
        });
      }
      await t2.store.setCaps(a.name, { dayMax: money('4'), monthMax: money('10') });
      assert.equal((await t2.store.authorise(req(a.id))).ok, true);
      const r = await t1.store.authorise(req(a.id));
      assert.deepEqual([r.ok, !r.ok && r.reason], [false, 'CAP_DAY']);
      await t2.store.setCaps(a.name, { dayMax: null, monthMax: money('4') });
      const m = await t1.store.authorise(req(a.id));
      assert.deepEqual([m.ok, !m.ok && m.reason], [false, 'CAP_MONTH']);
      const after = await invariants(t1, a.id, a.name);
      assert.deepEqual([after.balance, after.reserved], [money('97'), money('1')]);
    });

    it('refuses CAP_RATE once calls_per_min calls were authorised in the last minute', async () => {
      const a = await t1.seedAccount({ tariff: 'caps', balance: '100', maxSeconds: 60 });
      await t1.store.setCaps(a.name, { callsPerMin: 3 });
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? t2 : t1).store.authorise(req(a.id))),
      );
      assert.equal(results.filter((r) => r.ok).length, 3);
      assert.equal(results.filter((r) => !r.ok && r.reason === 'CAP_RATE').length, 5);
      await invariants(t1, a.id, a.name);
    });

    it('grows a grant-mode call only up to the day cap', async () => {
      // 6/6 billing at 0.60/min: 0.06 per 6 s block, so a 0.90 cap is 90 s.
      const fine = await t1.seedRate({
        tariff: 'caps6',
        prefix: '1',
        rate: '0.60',
        connect: '0',
        initial: 6,
        increment: 6,
      });
      const a = await t1.seedAccount({ tariff: 'caps6', balance: '100' });
      await t1.store.setCaps(a.name, { dayMax: money('0.90') }); // 90 s
      const r = {
        ...req(a.id),
        rate: fine,
        charging: { mode: 'grant' as const, grantSeconds: 60 },
      };
      const first = await t1.store.authorise(r);
      assert.deepEqual([first.ok, first.ok && first.maxSeconds], [true, 60]);
      const ext = await t2.store.extend({
        uniqueid: r.uniqueid,
        fromSeconds: 60,
        confirmedSeconds: 50,
        at: new Date(),
        defaultMaxSeconds: 3600,
        defaultGrantSeconds: 60,
      });
      assert.ok(ext.ok);
      assert.deepEqual(
        [ext.maxSeconds, ext.maxCost, ext.final, ext.why],
        [90, money('0.90'), true, 'spendcap'],
      );
      const after = await invariants(t1, a.id, a.name);
      assert.equal(after.reserved, money('0.90'));
    });
  });
});

/**
 * The burst anomaly stop (store/anomaly.ts) also runs when a call allowed during a database
 * outage is charged at journal replay (resilience/late-charge.ts), not only at a settle: two
 * outage calls that together cost more than burst_spend within burst_minutes block the account,
 * with its audit row and one 'account.auto_blocked' event, in the charge's transaction.
 */
import assert from 'node:assert/strict';
import { callCost, parseMoney } from '../../daemon/src/rating/index.js';
import { knexLateCharge, type OutageCall } from '../../daemon/src/resilience/late-charge.js';
import { forEachDatabase, uniqueName, type TestStore } from '../support/db.js';
import { answeredSettle, authoriseReq } from './support.js';

describe('the burst stop at journal replay', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;
    before(async () => {
      t = await tdb.open();
    });

    it('blocks the account when late charges take it over the burst limit, once', async () => {
      const rate = await t.seedRate({ prefix: '44', rate: '0.60', initial: 1, increment: 1 });
      const a = await t.seedAccount({ balance: '20' });
      await t.store.setCaps(a.name, { burstMinutes: 10, burstSpend: parseMoney('1.00') });
      const late = knexLateCharge(t.db);
      const outageCall = (billsec: number): OutageCall => {
        const uniqueid = uniqueName('outage');
        return {
          grant: { req: authoriseReq(uniqueid, a.id, rate), maxSeconds: 600, maxCost: 0n },
          settle: answeredSettle(uniqueid, billsec),
        };
      };
      const status = async () => (await t.store.accountDetails(a.name))!.status;

      const first = await late(outageCall(60)); // 0.60: under the limit
      assert.equal(first.outcome, 'charged');
      assert.equal(await status(), 'active');
      const second = await late(outageCall(60)); // 1.20 within 10 minutes
      assert.equal(second.outcome === 'charged' && second.cost, callCost(rate, 60));
      assert.equal(await status(), 'blocked', 'the replayed charge set the burst stop off');
      await late(outageCall(30));

      const events = (await t.store.listEvents({ account: a.name, channel: 'webhook' })).filter(
        (ev) => ev.kind === 'account.auto_blocked',
      );
      assert.deepEqual(
        events.map((ev) => ev.payload.trigger),
        ['burst'],
        'one auto_blocked event',
      );
      const audit = (await t
        .knex('astaudit')
        .where({ target: `account:${a.name}`, action: 'block' })
        .select('actor')) as { actor: string }[];
      assert.deepEqual(
        audit.map((r) => r.actor),
        ['system:anomaly-stop'],
      );
      const after = (await t.store.accountDetails(a.name))!;
      assert.equal(after.balance, parseMoney('20') - callCost(rate, 150), 'every call charged');
    });
  });
});

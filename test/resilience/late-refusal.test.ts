/**
 * An authorise that timed out may still commit a refusal (NOCREDIT, LIMIT, …) after the daemon,
 * in outage mode (allow-capped), had allowed the call. The call happened: its late charge
 * (resilience/late-charge.ts) replaces that refusal CDR by the real call, in the same
 * transaction, and charges it once.
 */
import assert from 'node:assert/strict';
import { callCost, parseMoney } from '../../daemon/src/rating/index.js';
import { knexLateCharge } from '../../daemon/src/resilience/late-charge.js';
import { forEachDatabase, uniqueName, type TestStore } from '../support/db.js';
import { answeredSettle, assertBooksBalance, authoriseReq } from './support.js';

describe('a refusal committed by a timed-out authorise of an outage call', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;
    before(async () => {
      t = await tdb.open();
    });

    it('is replaced by the call at its late charge, which is charged once', async () => {
      const rate = await t.seedRate({ prefix: '44', rate: '0.60', initial: 1, increment: 1 });
      const a = await t.seedAccount({ balance: '0' });
      const uniqueid = uniqueName('late-refusal');
      const req = authoriseReq(uniqueid, a.id, rate);
      const refused = await t.store.authorise(req);
      assert.equal(refused.ok, false, 'the database refuses: an empty account pays no second');
      assert.equal((await t.store.cdr(uniqueid))?.reason, 'NOCREDIT');

      const late = knexLateCharge(t.db);
      const call = {
        grant: { req, maxSeconds: 60, maxCost: 0n },
        settle: answeredSettle(uniqueid, 42),
      };
      const first = await late(call);
      assert.equal(first.outcome === 'charged' && first.billsec, 42);
      const cdr = await t.store.cdr(uniqueid);
      assert.deepEqual(
        [cdr?.disposition, cdr?.billsec, cdr?.reason ?? null, cdr?.cost],
        ['ANSWERED', 42, null, callCost(rate, 42)],
      );
      assert.equal((await late(call)).outcome, 'exists', 'a second replay writes nothing');
      await assertBooksBalance(t, a.name, parseMoney('0'), { [uniqueid]: callCost(rate, 42) });
    });
  });
});

/**
 * Destination blocks through the real daemon and the simulator: a denied prefix is refused
 * BLOCKEDDEST (announced, FAILED CDR, nothing dialled or charged); an account's own rule wins over
 * its tariff's; an allow list lets only its prefixes through.
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import type { AccountDetails } from '../../daemon/src/store/index.js';
import { forEachDatabase } from '../support/db.js';
import {
  bLegsOf,
  driveUntil,
  quiet,
  settledCdr,
  startE2e,
  talking,
  timesPlayed,
  waitFor,
  type E2e,
} from './harness.js';

describe('destination blocks', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, { rules: [{ prefix: '', action: 'answer' }] });
      await e.t.seedRate({ tariff: 'blk', prefix: '88', rate: '1.00', connect: '0' });
      await e.t.seedRate({ tariff: 'blk', prefix: '44', rate: '0.05', connect: '0' });
      await e.t.store.setDestRules('tariff', 'blk', ['8816', '449'], 'deny');
    });
    after(async () => e?.close());

    async function refused(exten: string, a: AccountDetails) {
      const legs = bLegsOf(e).length;
      const call = e.sim.placeCall({ exten, accountcode: a.name });
      const A = call.channelId;
      await driveUntil(e, 'the hangup', () => e.sim.ended(A) !== undefined);
      const cdr = await settledCdr(e, A);
      assert.deepEqual([cdr.disposition, cdr.reason, cdr.cost], ['FAILED', 'BLOCKEDDEST', 0n]);
      assert.equal(timesPlayed(e, 'sound:cannot-complete-as-dialed', A), 1, 'announced');
      assert.equal(bLegsOf(e).length, legs, 'nothing was dialled');
    }

    async function connects(exten: string, a: AccountDetails) {
      const call = e.sim.placeCall({ exten, accountcode: a.name });
      await waitFor('talking', () => talking(e, call.channelId));
      e.advance(60_000);
      e.sim.hangupCaller(call.channelId);
      return (await settledCdr(e, call.channelId)).cost;
    }

    it('refuses a number in a prefix its tariff denies and connects the rest of the range', async () => {
      const a = await e.t.seedAccount({ tariff: 'blk', balance: '5' });
      await refused('881612345', a);
      await refused('4490912345', a);
      const cost = await connects('881512345', a);
      assert.equal(cost, parseMoney('1.00'));
      await quiet(e);
      const after = (await e.t.store.accountDetails(a.name))!;
      assert.deepEqual([after.balance, after.reserved], [parseMoney('4.00'), 0n]);
      assert.equal(await e.t.store.ledgerSum(a.id), after.balance);
    });

    it("lets an account's own rule win over its tariff's, and an allow list admit only its prefixes", async () => {
      const a = await e.t.seedAccount({ tariff: 'blk', balance: '5' });
      await e.t.store.setDestRules('account', a.name, ['88161'], 'allow');
      assert.ok((await connects('881612345', a)) > 0n, 'allowed for this account');
      await refused('4420712345', a); // an allow list: 44 is not on it
      await e.t.store.setDestRules('account', a.name, ['88161'], null);
      await refused('881612345', a); // back to the tariff's deny
      await quiet(e);
    });
  });
});

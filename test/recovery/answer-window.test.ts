/**
 * kill -9 inside the answer batch window (ASTBILL_ANSWER_BATCH_MS, store/answer-batch.ts): two
 * calls are talking but their answer marks are still queued in the dead process. The daemon
 * started again must bill each only for time it can prove: the call still up is adopted with
 * its answer taken as the moment reconciliation found it talking (never the reservation's
 * creation, which would charge ring time and the downtime); the call that ended while the
 * daemon was dead has no provable talk at all and is released without a charge.
 */
import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import {
  assertBooks,
  bLegOf,
  journalDirFor,
  killAll,
  rigOn,
  spawnDaemon,
  talking,
  trueCall,
  until,
} from './rig.js';

describe('kill -9 inside the answer batch window', function () {
  this.timeout(60_000);
  after(killAll);

  forEachDatabase((tdb) => {
    const rig = rigOn(tdb);

    it('bills the adopted call from the restart and the call that ended meanwhile not at all', async () => {
      const { t } = rig;
      const sim = rig.sims[0]!;
      const account = await t.seedAccount({ balance: '20' });
      const journalDir = journalDirFor();
      // The widest window: both marks are still queued when the daemon dies.
      const env = { ASTBILL_ANSWER_BATCH_MS: '1000', ASTBILL_MAX_CALL_SECONDS: '60' };
      const d1 = await spawnDaemon({ tdb, sim, node: 'window', env, journalDir });
      const stays = sim.placeCall({
        exten: '441001',
        accountcode: account.name,
        hangupAfterMs: 14_000,
      });
      const ends = sim.placeCall({
        exten: '441002',
        accountcode: account.name,
        hangupAfterMs: 1_500,
      });
      await until(
        'both calls talking',
        () => talking(sim, stays.channelId) && talking(sim, ends.channelId),
      );
      const bLegs = [bLegOf(sim, stays.channelId), bLegOf(sim, ends.channelId)];
      const firstDeadline = sim.channel(stays.channelId)!.absoluteDeadline!;
      await d1.kill9();

      const ids = [stays.channelId, ends.channelId];
      const marks = (await t
        .knex('astcreditres')
        .whereIn('uniqueid', ids)
        .whereNotNull('answer')) as unknown[];
      const cdrMarks = (await t
        .knex('astcdr')
        .whereIn('uniqueid', ids)
        .whereNotNull('answer')) as unknown[];
      assert.deepEqual([marks.length, cdrMarks.length], [0, 0], 'no answer on record at the kill');
      await until('the short call to end while the daemon is dead', () =>
        sim.ended(ends.channelId),
      );

      const restarting = Date.now();
      const d2 = await spawnDaemon({ tdb, sim, node: 'window', env, journalDir });
      await until(
        'the long call adopted',
        () => d2.logged(/supervision resumed/).length === 1,
        20_000,
        50,
      );
      // The limit set again still counts from the earliest possible answer: never past the grant.
      const deadline = await until('TIMEOUT set again on the adopted call', () => {
        const d = sim.channel(stays.channelId)?.absoluteDeadline;
        return d !== undefined && d !== firstDeadline ? d : null;
      });
      const answeredAt = sim.channel(bLegs[0]!)!.answeredAt!;
      // (Whole seconds left, set a moment after the reconciliation looked: up to ~1.5 s late.)
      assert.ok(
        deadline <= answeredAt + 61_500,
        `the adopted call is cut within its grant (${deadline - answeredAt} ms after the answer)`,
      );
      await until(
        'every reservation settled',
        async () => (await t.store.reservations()).length === 0,
        30_000,
        100,
      );

      await assertBooks(t, [account]);
      const adopted = (await t.store.cdr(stays.channelId))!;
      const truth = trueCall(sim, stays.channelId, bLegs[0]!);
      assert.equal(adopted.disposition, 'ANSWERED');
      assert.ok(truth.answeredAt !== null && truth.endedAt !== null);
      assert.ok(
        adopted.answer!.getTime() >= restarting,
        `answer ${adopted.answer!.toISOString()} not before the restart`,
      );
      assert.ok(adopted.billsec >= 1, 'the talk after the restart is billed');
      assert.ok(
        adopted.billsec * 1000 <= truth.endedAt - restarting,
        `billsec ${adopted.billsec} within the talk proven after the restart`,
      );
      assert.ok(adopted.cost > 0n, 'charged for it');

      const gone = (await t.store.cdr(ends.channelId))!;
      assert.deepEqual(
        [gone.status, gone.billsec, gone.cost],
        ['settled', 0, 0n],
        'no provable talk: released without a charge',
      );
      const after = (await t.store.accountByName(account.name))!;
      assert.equal(after.balance, account.balance - adopted.cost);
      await d2.stop();
    });
  });
});

/**
 * A caller hangs up while the restarted daemon reconciles: after it listed Asterisk's channels
 * (the call was up) and before it adopted the call. The hang-up event reaches a daemon that has
 * no session for the channel yet. It must still bill the call to that hang-up, not to the moment
 * it later noticed the channel was gone (which charged seconds nobody talked).
 */
import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import {
  bLegOf,
  journalDirFor,
  killAll,
  rigOn,
  spawnDaemon,
  talking,
  trueCall,
  until,
} from './rig.js';

describe('a caller hangs up while the restarted daemon reconciles', function () {
  this.timeout(60_000);
  after(killAll);

  forEachDatabase((tdb) => {
    const rig = rigOn(tdb);

    it('bills the call to the hang-up Asterisk reported before the adoption', async () => {
      const { t } = rig;
      const sim = rig.sims[0]!;
      const acct = await t.seedAccount({ balance: '50' });
      const journalDir = journalDirFor();
      const d1 = await spawnDaemon({ tdb, sim, node: 'race', journalDir });
      const call = sim.placeCall({ exten: '4455', accountcode: acct.name, hangupAfterMs: null });
      await until(
        'talking, its answer on record',
        async () =>
          talking(sim, call.channelId) && (await t.store.cdr(call.channelId))?.answer != null,
      );
      const b = bLegOf(sim, call.channelId);
      await d1.kill9();
      await until('the websocket gone', () => !sim.appConnected('astbill'), 5_000);

      // Reconciliation lists the channels, then the bridges: the bridge list (the call still in
      // its bridge) arrives late, and the caller hangs up in between.
      const slow = sim.faults.add({
        method: 'GET',
        path: '/bridges',
        replyDelayMs: 2_500,
        times: 1,
      });
      const d2 = await spawnDaemon({ tdb, sim, node: 'race', journalDir });
      await until('the bridge list asked for', () =>
        sim.faults.hits.some((h) => h.method === 'GET' && h.path === '/bridges'),
      );
      sim.hangupCaller(call.channelId);
      await until(
        'the call settled',
        async () => (await t.store.cdr(call.channelId))?.status === 'settled',
        20_000,
        50,
      );
      slow();

      const truth = trueCall(sim, call.channelId, b);
      const cdr = (await t.store.cdr(call.channelId))!;
      assert.equal(
        cdr.disposition,
        'ANSWERED',
        JSON.stringify(cdr, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
      );
      // Billed to Asterisk's hang-up event (stamped a moment before the channel is destroyed),
      // not to when the daemon found the channel gone, 2.5 s later.
      const realEnd = sim.ended(call.channelId)!.endedAt;
      const lag = realEnd - cdr.end!.getTime();
      assert.ok(lag >= 0 && lag < 500, `billed to the hang-up (${lag} ms before the channel went)`);
      assert.ok(cdr.billsec <= Math.floor(truth.talkMs! / 1000), 'not above the real talk');
      assert.equal(d2.logged(/a leg ended before its call was adopted/).length, 1);
      assert.deepEqual(await t.store.reservations(), []);
      const after = (await t.store.accountByName(acct.name))!;
      assert.equal(after.reserved, 0n);
      assert.equal(after.balance, 5_000_000n - cdr.cost, 'charged once, for the billed seconds');
      await d2.stop();
    });
  });
});

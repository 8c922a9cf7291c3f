/**
 * The idle bridges a daemon makes ahead of calls (session/bridge-pool.ts) after a kill -9: what
 * the dead daemon leaves in Asterisk is its idle bridges, the bridge of a call still up and the
 * bridge of a call that ended while nobody listened. The daemon started again on the same node
 * deletes the earlier run's bridges (idle or emptied) at once, keeps the live call's until that
 * call ends, makes its own idle bridges, and deletes those at shutdown.
 */
import assert from 'node:assert/strict';
import { POOL_WARM } from '../../daemon/src/session/bridge-pool.js';
import type { AriSimulator } from '../../daemon/src/sim/index.js';
import { forEachDatabase } from '../support/db.js';
import {
  assertBooks,
  bLegOf,
  journalDirFor,
  killAll,
  leftInAsterisk,
  rigOn,
  spawnDaemon,
  talking,
  until,
  type ChildDaemon,
} from './rig.js';

const runOf = (d: ChildDaemon): string => String(d.logged(/astbill daemon started/)[0]?.ids);
const idleOf = (sim: AriSimulator, d: ChildDaemon): string[] =>
  sim
    .bridges()
    .filter((b) => b.channels.length === 0 && b.id.startsWith(runOf(d)))
    .map((b) => b.id);

describe('idle bridges across a kill -9 of the daemon', function () {
  this.timeout(60_000);
  after(killAll);

  forEachDatabase((tdb) => {
    const rig = rigOn(tdb);

    it('the next run deletes the dead run’s bridges, keeps a live call’s until it ends, and its own go at shutdown', async () => {
      const sim = rig.sims[0]!;
      const account = await rig.t.seedAccount({ balance: '50' });
      const journalDir = journalDirFor();
      const env = { ASTBILL_MAX_CALL_SECONDS: '60' };
      const d1 = await spawnDaemon({ tdb, sim, node: 'pool', env, journalDir });
      await until('the idle bridges made', () => idleOf(sim, d1).length === POOL_WARM);
      assert.deepEqual(leftInAsterisk(sim, d1), [], 'only idle bridges of this run');

      const up = sim.placeCall({ exten: '441001', accountcode: account.name });
      const ends = sim.placeCall({ exten: '441002', accountcode: account.name });
      await until(
        'both calls talking',
        () => talking(sim, up.channelId) && talking(sim, ends.channelId),
      );
      const upBridge = sim.channel(up.channelId)!.bridgeId!;
      const endsBridge = sim.channel(ends.channelId)!.bridgeId!;
      const endsB = bLegOf(sim, ends.channelId)!;
      assert.ok(upBridge.startsWith(runOf(d1)) && endsBridge.startsWith(runOf(d1)));

      await d1.kill9();
      await until('the websocket gone', () => !sim.appConnected('astbill'), 5_000);
      // One call ends with nobody listening: its bridge stays, empty.
      sim.hangupCaller(ends.channelId);
      sim.hangupCaller(endsB);
      await until('its legs gone', () => !sim.channel(ends.channelId) && !sim.channel(endsB));
      const dead = sim.bridges().map((b) => b.id);
      assert.equal(dead.length, POOL_WARM, 'what the dead daemon left: all its bridges');
      assert.ok(dead.includes(endsBridge) && dead.includes(upBridge));

      const d2 = await spawnDaemon({ tdb, sim, node: 'pool', env, journalDir });
      assert.notEqual(runOf(d2), runOf(d1), 'a new run');
      await until('the live call supervised again', () => d2.logged(/supervision resumed/)[0]);
      await until(
        'the dead run’s bridges deleted but the live call’s',
        () => {
          const left = sim.bridges().filter((b) => b.id.startsWith(runOf(d1)));
          return left.length === 1 && left[0]!.id === upBridge;
        },
        10_000,
      );
      assert.equal(
        d2.logged(/deleting a leftover bridge/).length,
        POOL_WARM - 1,
        'each deleted as a leftover',
      );
      await until('the new run’s idle bridges made', () => idleOf(sim, d2).length === POOL_WARM);
      assert.deepEqual(
        leftInAsterisk(sim, d2)
          .map((x) => x.split(' ')[1])
          .sort(),
        [
          up.channelId,
          upBridge,
          ...sim
            .liveChannels()
            .map((c) => c.id)
            .filter((id) => id.startsWith(bLegOf(sim, up.channelId)!)), // B and its Local ;2 half
        ].sort(),
        'besides its idle bridges, only the live call: its channels and its bridge',
      );

      sim.hangupCaller(up.channelId);
      await until(
        'both calls settled',
        async () => (await rig.t.store.reservations()).every((r) => r.accountId !== account.id),
        10_000,
        50,
      );
      await until('nothing left but the idle bridges', () => leftInAsterisk(sim, d2).length === 0);
      assert.ok(!sim.bridges().some((b) => b.id === upBridge), 'the adopted call’s bridge deleted');
      await assertBooks(rig.t, [account]);
      await d2.stop();
      assert.deepEqual(sim.bridges(), [], 'the idle bridges deleted at shutdown');
    });
  });
});

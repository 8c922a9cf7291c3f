/**
 * A callback across a websocket gap (real daemon, ARI simulator, the daemon on the simulator's
 * clock): leg A hangs up unseen while B stays up. A checkpoint tick that finds only B up proves
 * neither leg's talk (either leg's end ends the callback) and does not confirm the call up:
 * both legs are billed to the last moment both were proven up (chaos seeds 9, 18, 25): the last
 * event heard before the drop (B's answer), not the drop 3 s later. And B hanging up unseen
 * while A is cut by its limit after the reconnect (every channel list failing): A's seen end
 * does not prove B up, so both legs are billed to the last frame heard (A was billed 22 s for 5).
 */
import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import {
  driveUntil,
  lastEventAt,
  quiet,
  settled,
  settledCdr,
  startE2e,
  waitFor,
  type E2e,
} from './harness.js';

/**
 * Starts a callback, lets it talk 3 s after the bridge, then drops the websocket and keeps it
 * down (until `blockWs()`); `heard` is the last event the daemon heard before the drop.
 */
async function talkThenDrop(e: E2e, account: string) {
  const cb = await e.daemon.callbacks.start({ account, a: '4910111', b: '4950222' });
  await driveUntil(
    e,
    'A and B bridged',
    () =>
      e.sim.bridges().some((b) => b.channels.includes(cb.legs.a) && b.channels.includes(cb.legs.b)),
    { stepMs: 500 },
  );
  e.advance(3_000);
  await settled(e);
  const heard = lastEventAt(e);
  const blockWs = e.sim.faults.add({ path: '/events', status: 503 });
  e.sim.dropWebsockets('astbill');
  await waitFor('the app to be disconnected', () => !e.sim.appConnected('astbill'));
  return { cb, heard, blockWs };
}

describe('a callback across a websocket gap', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        daemonOnSimClock: true,
        // Only the explicit ticks below: no polls during the gap, no timed checkpoints.
        env: { ASTBILL_GAP_POLL_SECONDS: '0', ASTBILL_CHECKPOINT_SECONDS: '0' },
        rules: [
          { prefix: '4910', action: 'answer' },
          { prefix: '4950', action: 'answer', answerAfterMs: 5_000 },
        ],
      });
      await e.t.seedRate({ prefix: '491', rate: '0.06', initial: 1, increment: 1 });
      await e.t.seedRate({ prefix: '495', rate: '0.06', initial: 1, increment: 1 });
    });
    after(async () => e?.close());

    it('a tick that sees only B up during the gap neither checkpoints nor confirms the ended A leg', async () => {
      const acct = await e.t.seedAccount({ balance: '10' });
      const { cb, heard, blockWs } = await talkThenDrop(e, acct.name);
      e.advance(5_000);
      e.sim.hangupCaller(cb.legs.a); // nobody hears of it; B stays up
      for (let i = 0; i < 2; i++) {
        e.advance(5_000);
        await settled(e);
        await e.daemon.checkpointer!.runOnce();
      }
      blockWs();
      await waitFor('the daemon to reconnect', () => e.sim.appConnected('astbill'), 15_000);
      const [a, b] = [await settledCdr(e, cb.legs.a, 10_000), await settledCdr(e, cb.legs.b)];
      const aEnd = e.sim.ended(cb.legs.a)!;
      const bAnswer = e.sim.ended(cb.legs.b)!.answeredAt!;
      const aTalk = Math.ceil((aEnd.endedAt - aEnd.answeredAt!) / 1000);
      const bTalk = Math.ceil((aEnd.endedAt - bAnswer) / 1000);
      assert.ok(a.billsec <= aTalk, `A billsec ${a.billsec} > its ${aTalk} s of talk`);
      assert.ok(b.billsec <= bTalk, `B billsec ${b.billsec} > the ${bTalk} s it talked with A`);
      // Proven: both legs up until the last event heard before the drop (B's answer, 5 s in).
      assert.equal(Math.floor((heard - bAnswer) / 1000), 0);
      assert.equal(a.billsec, Math.floor((heard - aEnd.answeredAt!) / 1000));
      assert.equal(a.billsec, 5);
      assert.equal(b.billsec, 0);
      await quiet(e);
    });

    it('B hung up unseen in the gap, A cut by its limit after the reconnect: both legs billed to the last moment proven up, not to A’s seen end', async () => {
      // Leg ends are seen only if the other leg is proven up (as for a call: chaos seed 126).
      // 0.04 pays 20 s of both legs at 0.06 a minute each: A is cut by its time limit.
      const acct = await e.t.seedAccount({ balance: '0.04' });
      const { cb, heard, blockWs } = await talkThenDrop(e, acct.name);
      e.advance(2_000);
      const goneAt = e.sim.manualClock.now();
      e.sim.hangupCaller(cb.legs.b); // nobody hears of it; A stays up
      e.advance(1_000);
      const unblockLists = e.sim.faults.add({ method: 'GET', path: /^\/channels$/, status: 500 });
      const checks = e.daemon.connectChecksDone;
      blockWs();
      await waitFor('the daemon to reconnect', () => e.sim.appConnected('astbill'), 15_000);
      await waitFor('the post-connect check (it fails)', () => e.daemon.connectChecksDone > checks);
      await driveUntil(e, 'the callback settled', () => e.daemon.liveCalls === 0, {
        stepMs: 500,
        maxSimMs: 60_000,
      });
      const [ea, eb] = [e.sim.ended(cb.legs.a)!, e.sim.ended(cb.legs.b)!];
      assert.equal(eb.hungUpBy, 'caller', 'B hung up during the gap…');
      assert.equal(eb.endedAt, goneAt, '…while the link was down');
      assert.equal(ea.hungUpBy, 'timeout', 'A was cut by its time limit, after the reconnect');
      assert.ok(ea.endedAt > eb.endedAt + 5_000, 'A ended well after B');
      const [a, b] = [await settledCdr(e, cb.legs.a), await settledCdr(e, cb.legs.b)];
      assert.equal(
        a.billsec,
        Math.floor((heard - ea.answeredAt!) / 1000),
        'A to the last frame heard',
      );
      assert.equal(
        b.billsec,
        Math.floor((heard - eb.answeredAt!) / 1000),
        'B to the last frame heard',
      );
      assert.deepEqual([a.endSource, b.endSource], ['last-up', 'last-up']);
      unblockLists();
      await quiet(e);
    });
  });
});

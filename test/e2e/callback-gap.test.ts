/**
 * A callback across a websocket gap (real daemon, ARI simulator, the daemon on the simulator's
 * clock): leg A hangs up unseen while B stays up. A checkpoint tick that finds only B up proves
 * neither leg's talk (either leg's end ends the callback) and does not confirm the call up:
 * both legs are billed to the last moment both were proven up (chaos seeds 9, 18, 25): the last
 * event heard before the drop (B's answer), not the drop 3 s later.
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
      const cb = await e.daemon.callbacks.start({ account: acct.name, a: '4910111', b: '4950222' });
      await driveUntil(
        e,
        'A and B bridged',
        () =>
          e.sim
            .bridges()
            .some((b) => b.channels.includes(cb.legs.a) && b.channels.includes(cb.legs.b)),
        { stepMs: 500 },
      );
      e.advance(3_000);
      await settled(e);
      const heard = lastEventAt(e);
      const blockWs = e.sim.faults.add({ path: '/events', status: 503 });
      e.sim.dropWebsockets('astbill');
      await waitFor('the app to be disconnected', () => !e.sim.appConnected('astbill'));
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
  });
});

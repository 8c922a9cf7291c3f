/**
 * A callback whose B leg hung up unseen during a websocket gap, while A stays up and is cut by
 * the time limit after the reconnect, with every channel list failing (real daemon, ARI
 * simulator, the daemon on the simulator's clock). Both legs talked only while both were up: each
 * is billed to the last moment the callback was proven up (the last frame heard before the
 * drop), not to A's seen end, and the CDRs say their end was not seen. The same rule as an
 * ordinary call's (test/e2e/unseen-other-leg.test.ts, chaos seed 126).
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

describe('a callback whose other leg ended unseen in a websocket gap', function () {
  this.timeout(90_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        daemonOnSimClock: true,
        env: { ASTBILL_GAP_POLL_SECONDS: '0', ASTBILL_CHECKPOINT_SECONDS: '0' },
        rules: [
          { prefix: '4910', action: 'answer' },
          { prefix: '4950', action: 'answer', answerAfterMs: 2_000 },
        ],
      });
      await e.t.seedRate({ prefix: '491', rate: '0.06', initial: 1, increment: 1 });
      await e.t.seedRate({ prefix: '495', rate: '0.06', initial: 1, increment: 1 });
    });
    after(async () => e?.close());

    it('bills both legs to the last moment proven up, not to A’s seen end', async () => {
      // 0.04 pays 20 s of both legs at 0.06 a minute each: A is cut by its time limit.
      const acct = await e.t.seedAccount({ balance: '0.04' });
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

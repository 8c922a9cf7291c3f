/**
 * A callback leg that answers during a websocket gap (real daemon, ARI simulator, the daemon on
 * the simulator's clock): its answer events are lost. The daemon must still take it as
 * answered (the check after the reconnect lists it Up), bill it only from the moment it could
 * prove the answer, and not leave it talking until the ring guard calls it NO ANSWER (chaos
 * seeds 22, 25: NO ANSWER after 27 s of talk).
 */
import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import { driveUntil, quiet, settled, settledCdr, startE2e, waitFor, type E2e } from './harness.js';

describe('a callback leg answered during a websocket gap', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        daemonOnSimClock: true,
        // No polls during the gap: only the check at the reconnect can find the answer.
        env: { ASTBILL_GAP_POLL_SECONDS: '0', ASTBILL_CHECKPOINT_SECONDS: '0' },
        rules: [
          { prefix: '4910', action: 'answer', answerAfterMs: 4_000 },
          { prefix: '4950', action: 'answer' },
        ],
      });
      await e.t.seedRate({ prefix: '491', rate: '0.06', initial: 1, increment: 1 });
      await e.t.seedRate({ prefix: '495', rate: '0.06', initial: 1, increment: 1 });
    });
    after(async () => e?.close());

    it('is taken as answered at the reconnect, billed only from there, and not left ringing', async () => {
      const acct = await e.t.seedAccount({ balance: '10' });
      const cb = await e.daemon.callbacks.start({ account: acct.name, a: '4910111', b: '4950222' });
      await driveUntil(e, 'leg A ringing', () => e.sim.channel(cb.legs.a)?.state === 'Ringing');
      const blockWs = e.sim.faults.add({ path: '/events', status: 503 });
      e.sim.dropWebsockets('astbill');
      await waitFor('the app to be disconnected', () => !e.sim.appConnected('astbill'));
      e.advance(6_000); // A answers unseen
      await settled(e);
      assert.equal(e.sim.channel(cb.legs.a)?.state, 'Up');
      const reconnects = e.daemon.connectChecksDone;
      blockWs();
      await waitFor('the daemon to reconnect', () => e.sim.appConnected('astbill'), 15_000);
      await waitFor('the post-connect check', () => e.daemon.connectChecksDone > reconnects);
      const provenAt = e.sim.manualClock.now();
      // Far less than the ring guard (ring timeout + 10 s) after the reconnect.
      await driveUntil(e, 'the callback to end', () => e.daemon.liveCalls === 0, {
        maxSimMs: 10_000,
      });
      const a = await settledCdr(e, cb.legs.a);
      const ended = e.sim.ended(cb.legs.a)!;
      assert.equal(a.disposition, 'ANSWERED', `A settled ${a.disposition} after it answered`);
      const talk = ended.endedAt - ended.answeredAt!;
      assert.ok(a.billsec * 1000 <= talk, `A billed ${a.billsec} s for ${talk} ms of talk`);
      assert.ok(
        a.billsec <= Math.ceil((ended.endedAt - provenAt) / 1000),
        `A billed ${a.billsec} s, more than from the reconnect that proved its answer`,
      );
      await quiet(e);
    });
  });
});

/**
 * Grant mode across a websocket gap (real daemon, ARI simulator, the daemon on the simulator's
 * clock): an extension asked while the websocket is down may claim as talked only what was
 * proven up (a checkpoint tick before the drop), never the time since — the call may have ended unseen meanwhile, and the
 * extension's checkpoint is a floor for the bill (chaos seed 14: 30 s billed for 27.5 s of talk).
 */
import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import { quiet, settled, settledCdr, startE2e, talking, waitFor, type E2e } from './harness.js';

describe('grant mode across a websocket gap', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        env: {
          ASTBILL_CHARGING_MODE: 'grant',
          ASTBILL_GRANT_SECONDS: '30',
          ASTBILL_GRANT_MARGIN: '10',
          // No polls during the gap: the end is found only after the reconnect.
          ASTBILL_GAP_POLL_SECONDS: '0',
        },
        rules: [{ prefix: '', action: 'answer' }],
        daemonOnSimClock: true,
      });
      await e.t.seedRate({ prefix: '44', rate: '0.06', connect: '0', initial: 1, increment: 1 });
    });
    after(async () => e?.close());

    it('an extension during the gap after the call ended unseen does not bill the unproven time', async () => {
      const acct = await e.t.seedAccount({ balance: '5' });
      const call = e.sim.placeCall({ exten: '4420', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      await settled(e); // the answer is in the store: the tick at 5 s checkpoints the call
      e.advance(5_000);
      // The proof of those 5 s is the checkpoint tick at 5 s (it lists the call's channels): it
      // must be in before the drop, or the drop races it (nothing else proves the call up).
      await waitFor(
        'the 5 s checkpoint',
        async () => ((await e.t.store.grantColumns(call.channelId))?.checkpointSecs ?? 0) >= 5,
        10_000,
      );
      await settled(e);
      // The network drops and Asterisk refuses the reconnect for a while.
      const blockWs = e.sim.faults.add({ path: '/events', status: 503 });
      e.sim.dropWebsockets('astbill');
      await waitFor('the app to be disconnected', () => !e.sim.appConnected('astbill'));
      e.advance(5_000);
      e.sim.hangupCaller(call.channelId); // 10 s of talk; nobody hears of it
      // 20 s into the 30 s grant the daemon asks for the next one, still in the gap.
      for (let i = 0; i < 15; i++) {
        e.advance(1_000);
        await settled(e);
      }
      await waitFor(
        'the extension',
        async () => ((await e.t.store.cdr(call.channelId))?.maxSeconds ?? 0) > 30,
      );
      blockWs();
      await waitFor('the daemon to reconnect', () => e.sim.appConnected('astbill'), 15_000);
      const cdr = await settledCdr(e, call.channelId, 10_000);
      assert.equal(cdr.disposition, 'ANSWERED');
      // Proven: up to the checkpoint tick before the drop (5 s; no event came after the answer);
      // it really talked 10 s; the extension came at 20 s.
      assert.ok(cdr.billsec <= 10, `billsec ${cdr.billsec} is more than the 10 s talked`);
      assert.equal(cdr.billsec, 5, 'billed to the last moment the call was proven up');
      await quiet(e);
    });
  });
});

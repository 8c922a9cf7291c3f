/**
 * The kill path during a websocket gap (real daemon, ARI simulator, the daemon on the
 * simulator's clock): the daemon hangs a call up while no event can reach it, so the hang-up
 * events never come. It must bill only what was proven (the call was up until the drop, and
 * it cut the call when it sent the hang-up), never up to the moment its wait for the events
 * ran out (chaos seed 25: 12 s billed for 7.5 s of talk).
 */
import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import { quiet, settled, settledCdr, startE2e, talking, waitFor, type E2e } from './harness.js';

describe('a call ended by the daemon during a websocket gap', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        env: { ASTBILL_GAP_POLL_SECONDS: '0', ASTBILL_CHECKPOINT_SECONDS: '0' },
        rules: [{ prefix: '', action: 'answer' }],
        daemonOnSimClock: true,
      });
      await e.t.seedRate({ prefix: '44', rate: '0.06', connect: '0', initial: 1, increment: 1 });
    });
    after(async () => e?.close());

    it('is billed to what was proven, not to the end of its wait for the hang-up events', async () => {
      const acct = await e.t.seedAccount({ balance: '5' });
      const call = e.sim.placeCall({ exten: '4420', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      e.advance(5_000);
      await settled(e);
      const blockWs = e.sim.faults.add({ path: '/events', status: 503 });
      e.sim.dropWebsockets('astbill');
      await waitFor('the app to be disconnected', () => !e.sim.appConnected('astbill'));
      e.advance(5_000);
      const session = e.daemon.registry.byChannelId(call.channelId)!;
      const killed = session.kill('operator');
      await waitFor('the hang-up', () => e.sim.ended(call.channelId));
      for (let i = 0; i < 12; i++) {
        e.advance(1_000);
        await settled(e);
      }
      await killed;
      const cdr = await settledCdr(e, call.channelId);
      const ended = e.sim.ended(call.channelId)!;
      const talk = ended.endedAt - ended.answeredAt!;
      assert.equal(cdr.disposition, 'ANSWERED');
      assert.ok(cdr.billsec * 1000 <= talk, `billed ${cdr.billsec} s for ${talk} ms of talk`);
      blockWs();
      await waitFor('the daemon to reconnect', () => e.sim.appConnected('astbill'), 15_000);
      await quiet(e);
    });
  });
});

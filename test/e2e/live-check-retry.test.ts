/**
 * The check after a websocket reconnect fails (real daemon, ARI simulator, the daemon on the
 * simulator's clock): Asterisk answers the channel list with a 500. A call that ended during
 * the gap must still be found and settled, by a retry, not be supervised until its limit while
 * its other leg's time is billed (chaos seed 126: a callback leg billed 239 s for 20 s of talk).
 * It is billed to the last moment the websocket was heard (no event came in the 5 s before the
 * drop, and nothing else proved the call up), not to the drop.
 */
import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import {
  driveUntil,
  lastEventAt,
  quiet,
  settled,
  startE2e,
  talking,
  waitFor,
  type E2e,
} from './harness.js';

describe('the live check after a reconnect whose channel list fails', function () {
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

    it('asks again and settles the call that ended in the gap to the last moment proven up', async () => {
      const acct = await e.t.seedAccount({ balance: '50' });
      const call = e.sim.placeCall({ exten: '4420', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      e.advance(5_000);
      await settled(e);
      const heard = lastEventAt(e);
      const blockWs = e.sim.faults.add({ path: '/events', status: 503 });
      e.sim.dropWebsockets('astbill');
      await waitFor('the app to be disconnected', () => !e.sim.appConnected('astbill'));
      e.advance(5_000);
      e.sim.hangupCaller(call.channelId); // nobody hears of it
      e.advance(1_000);
      e.sim.faults.add({ method: 'GET', path: /^\/channels$/, status: 500, times: 1 });
      const checks = e.daemon.connectChecksDone;
      blockWs();
      await waitFor('the daemon to reconnect', () => e.sim.appConnected('astbill'), 15_000);
      await waitFor('the post-connect check', () => e.daemon.connectChecksDone > checks);
      await driveUntil(e, 'the call to be settled', () => e.daemon.liveCalls === 0, {
        stepMs: 500,
        maxSimMs: 15_000,
      });
      const cdr = (await e.t.store.cdr(call.channelId))!;
      assert.equal(cdr.status, 'settled');
      assert.equal(cdr.disposition, 'ANSWERED');
      const answer = e.sim.ended(call.channelId)!.answeredAt!;
      assert.equal(Math.floor((heard - answer) / 1000), 0, 'no event proved a second of talk');
      assert.equal(cdr.billsec, 0, 'billed to the last event heard, the last moment proven up');
      await quiet(e);
    });
  });
});

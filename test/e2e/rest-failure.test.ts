/**
 * Asterisk failing a REST request before anything was dialled (real daemon, ARI simulator): the
 * call fails closed (error prompt, hang-up) and still leaves its one CDR, FAILED with reason
 * ERROR (chaos seed 17: a card call whose answer request timed out left none).
 */
import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import { driveUntil, quiet, settledCdr, startE2e, type E2e } from './harness.js';

describe('a REST failure before dialling', function () {
  this.timeout(30_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb);
      await e.t.seedRate({ prefix: '44', rate: '0.06', connect: '0', initial: 1, increment: 1 });
    });
    after(async () => e?.close());

    it('a card call whose answer request fails is hung up and leaves one FAILED ERROR CDR', async () => {
      const off = e.sim.faults.add({ method: 'POST', path: /\/answer$/, status: 500, times: 1 });
      const call = e.sim.placeCall({ exten: '8000', peer: 'payphone', callerId: '5550177' });
      await driveUntil(e, 'the caller hung up', () => e.sim.ended(call.channelId) !== undefined);
      off();
      assert.equal(e.sim.ended(call.channelId)?.hungUpBy, 'app');
      const cdr = await settledCdr(e, call.channelId);
      assert.equal(cdr.disposition, 'FAILED');
      assert.equal(cdr.reason, 'ERROR');
      assert.equal(cdr.billsec, 0);
      const all = (await e.t.store.cdrs()).filter((c) => c.src === '5550177');
      assert.equal(all.length, 1, 'exactly one CDR for the attempt');
      await quiet(e);
    });
  });
});

/**
 * Restart reconciliation (session/reconcile.ts) racing this run's own calls: it reads the node's
 * reservations, then asks Asterisk for its channels; a call of this run that ends and settles
 * while Asterisk is slow to answer is the session's, not a call that ended while the daemon was
 * away. Under load (two daemons, parallel test workers) this settled-meanwhile call was
 * "RECONCILED" (test/recovery/two-nodes.test.ts: "n2 reconciled nothing").
 */
import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import { quiet, settledCdr, startE2e, talking, waitFor, type E2e } from './harness.js';

describe('reconciliation racing a call of this run', function () {
  this.timeout(20_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, { rules: [{ prefix: '44', action: 'answer' }] });
      await e.t.seedRate({ prefix: '44', rate: '0.60', connect: '0', initial: 1, increment: 1 });
    });
    after(async () => e?.close());

    it('leaves a call that settles while Asterisk lists its channels to its session', async () => {
      const acct = await e.t.seedAccount({ balance: '10' });
      const call = e.sim.placeCall({ exten: '4420000001', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      // Asterisk slow to list channels: the reservations are read, the answer comes later.
      e.sim.faults.add({ method: 'GET', path: '/channels', delayMs: 1_500, times: 1 });
      const run = e.daemon.reconciler.run();
      await waitFor('the listing asked for', () =>
        e.sim.faults.hits.some((h) => h.method === 'GET' && h.path === '/channels'),
      );
      e.advance(4_000);
      e.sim.hangupCaller(call.channelId);
      const cdr = await settledCdr(e, call.channelId);
      const report = await run;
      assert.deepEqual(
        report.settled.map((c) => c.uniqueid),
        [],
        'nothing reconciled: the session settled it',
      );
      assert.equal(cdr.billsec, 4);
      assert.doesNotMatch(cdr.note ?? '', /reconciled/);
      await quiet(e);
    });
  });
});

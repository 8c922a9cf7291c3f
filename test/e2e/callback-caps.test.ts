/**
 * Spend caps on callback calls (real daemon, ARI simulator): a callback's two legs are one call
 * for the caps, at authorise and when B is timed from A. Without this, a callback took the
 * account's whole balance past its call and day caps (chaos seeds 1, 3).
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { CallbackRefused } from '../../daemon/src/session/callback-service.js';
import { forEachDatabase } from '../support/db.js';
import { driveUntil, quiet, settledCdr, startE2e, type E2e } from './harness.js';

describe('spend caps on callback calls', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        daemonOnSimClock: true,
        rules: [
          { prefix: '4910', action: 'answer' },
          { prefix: '4950', action: 'answer', answerAfterMs: 3_000 },
        ],
      });
      // 0.60/min on each leg, by the second: 0.01 a second each, 0.02 for the pair.
      await e.t.seedRate({ prefix: '491', rate: '0.60', initial: 1, increment: 1 });
      await e.t.seedRate({ prefix: '495', rate: '0.60', initial: 1, increment: 1 });
    });
    after(async () => e?.close());

    it('cuts the common grant to the call cap for both legs, and keeps it there when B is timed', async () => {
      const acct = await e.t.seedAccount({ balance: '10' });
      await e.t.store.setCaps(acct.name, { callMax: parseMoney('0.40') });
      const cb = await e.daemon.callbacks.start({ account: acct.name, a: '4910111', b: '4950222' });
      assert.equal(cb.maxSeconds, 20, '0.40 pays 20 s of both legs');
      await driveUntil(e, 'the callback to end', () => e.daemon.liveCalls === 0, {
        stepMs: 500,
      });
      const [a, b] = [await settledCdr(e, cb.legs.a), await settledCdr(e, cb.legs.b)];
      assert.ok(
        a.cost + b.cost <= parseMoney('0.40'),
        `the legs cost ${a.cost} + ${b.cost}, over the 0.40 call cap`,
      );
      assert.ok(a.billsec > 0 && b.billsec > 0, 'both legs talked');
      await quiet(e);
    });

    it('refuses a callback with CAP_DAY once the day cap is spent', async () => {
      const acct = await e.t.seedAccount({ balance: '10' });
      await e.t.store.setCaps(acct.name, { dayMax: parseMoney('0.05') });
      const first = await e.daemon.callbacks.start({
        account: acct.name,
        a: '4910111',
        b: '4950222',
      });
      assert.equal(first.maxSeconds, 2, '0.05 pays 2 s of both legs');
      await driveUntil(e, 'the callback to end', () => e.daemon.liveCalls === 0, { stepMs: 500 });
      await e.t.store.setCaps(acct.name, { dayMax: parseMoney('0.01') });
      await assert.rejects(
        e.daemon.callbacks.start({ account: acct.name, a: '4910111', b: '4950222' }),
        (err: unknown) => err instanceof CallbackRefused && err.reason === 'CAP_DAY',
      );
      await quiet(e);
    });
  });
});

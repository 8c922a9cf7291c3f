/**
 * Time bands in grant mode (real daemon, ARI simulator, the daemon's timers on the simulator's
 * clock): each 60 s slice is priced from the answer through the bands, so the reservation grows
 * faster once the call is in peak, and the final grant ends the call exactly where the money
 * runs out in the dearer band.
 */
import assert from 'node:assert/strict';
import { parseMoney, type Rate } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import { GRANT_ENV, near, ride } from './grant-ride.js';
import { quiet, settledCdr, startE2e, talking, waitFor, type E2e } from './harness.js';

const rate = (tariff: string, perMin: string): Rate => ({
  tariff,
  prefix: '44',
  description: 'UK',
  ratePerMin: parseMoney(perMin),
  connectFee: 0n,
  initialSecs: 1,
  incrementSecs: 1,
  minSecs: 0,
});

describe('time bands in grant mode', function () {
  this.timeout(120_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      // Monday 07:58 in Berlin: peak (08:00–18:00 Mon–Fri) starts 120 s after the answer.
      e = await startE2e(tdb, {
        env: GRANT_ENV,
        daemonOnSimClock: true,
        startTime: Date.parse('2026-11-23T06:58:00.000Z'),
      });
      await e.t.store.upsertRates([rate('gbands', '0.06'), rate('gbands-peak', '0.12')]);
      await e.t.store.setBands({
        tariff: 'gbands',
        zone: 'Europe/Berlin',
        bands: [
          { name: 'peak', days: [1, 2, 3, 4, 5], from: 480, to: 1080, bandTariff: 'gbands-peak' },
        ],
      });
    });
    after(async () => e?.close());

    it('grants slices priced per band and cuts the call where the money runs out in peak', async () => {
      const acct = await e.t.seedAccount({ balance: '0.50', tariff: 'gbands' });
      const call = e.sim.placeCall({ exten: '4420000009', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      const answered = e.sim.manualClock.now();
      assert.equal(
        (await e.t.store.accountByName(acct.name))?.reserved,
        parseMoney('0.06'),
        'the first slice: 60 s off-peak',
      );
      const seen = await ride(e, [call.channelId]);
      // 60, 120 off-peak; 180, 240, 300 in peak (0.12 more each); 0.50 ends at 310 s (final).
      const want = [60, 120, 180, 240, 300, 310].map((s) => answered + s * 1000);
      assert.equal(seen.get(call.channelId)?.length, want.length, `${seen.get(call.channelId)}`);
      want.forEach((w, k) => near(seen.get(call.channelId)![k], w, `deadline of grant ${k + 1}`));
      near(e.sim.ended(call.channelId)?.endedAt, answered + 310_000, 'cut at the final grant');
      const cdr = await settledCdr(e, call.channelId);
      await quiet(e);
      assert.equal(cdr.billsec, 310, 'every granted second talked');
      const peakSecs = cdr.billsec - 120;
      assert.deepEqual(cdr.bandSplit, [
        { band: 'base', seconds: 120, cost: parseMoney('0.12') },
        { band: 'peak', seconds: peakSecs, cost: BigInt(peakSecs) * 200n },
      ]);
      assert.equal(cdr.cost, parseMoney('0.12') + BigInt(peakSecs) * 200n);
      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.equal(after.balance, parseMoney('0.50') - cdr.cost, 'never below zero');
      assert.equal(after.reserved, 0n);
    });
  });
});

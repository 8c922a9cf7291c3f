/**
 * Currencies in grant mode (real daemon, ARI simulator, the daemon's timers on the simulator's
 * clock): a EUR account on a USD tariff is granted 60 s slices whose reservations are the
 * converted cost of the whole granted time, and the final grant ends the call where the
 * converted money runs out.
 */
import assert from 'node:assert/strict';
import { parseFxRate, parseMoney } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import { GRANT_ENV, near, ride } from './grant-ride.js';
import { quiet, settledCdr, startE2e, talking, waitFor, type E2e } from './harness.js';

describe('currencies in grant mode', function () {
  this.timeout(120_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        env: GRANT_ENV,
        daemonOnSimClock: true,
        startTime: Date.parse('2026-11-23T10:00:00.000Z'),
      });
      await e.t.seedRate({ tariff: 'gusd', prefix: '44', rate: '0.10', initial: 1, increment: 1 });
      await e.t.store.setTariffCurrency('gusd', 'USD');
      await e.t.store.setFxRate({
        base: 'USD',
        quote: 'EUR',
        rate: parseFxRate('0.92'),
        effectiveFrom: new Date('2026-11-01T00:00:00Z'),
      });
    });
    after(async () => e?.close());

    it('reserves each slice converted and cuts the call at the converted budget', async () => {
      const acct = await e.t.seedAccount({ balance: '0.25', tariff: 'gusd', currency: 'EUR' });
      const call = e.sim.placeCall({ exten: '4420000009', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      const answered = e.sim.manualClock.now();
      // The first slice: 60 s = 0.10 USD = 0.092 EUR.
      assert.equal((await e.t.store.accountByName(acct.name))?.reserved, parseMoney('0.092'));
      const seen = await ride(e, [call.channelId]);
      // 0.25 EUR is at most 0.27174 USD: 163 s (0.27167 USD = 0.24994 EUR); 164 s = 0.25147 EUR.
      const want = [60, 120, 163].map((s) => answered + s * 1000);
      assert.equal(seen.get(call.channelId)?.length, want.length, `${seen.get(call.channelId)}`);
      want.forEach((w, k) => near(seen.get(call.channelId)![k], w, `deadline of grant ${k + 1}`));
      near(e.sim.ended(call.channelId)?.endedAt, answered + 163_000, 'cut at the final grant');
      const cdr = await settledCdr(e, call.channelId);
      await quiet(e);
      assert.equal(cdr.maxSeconds, 163);
      assert.equal(cdr.maxCost, parseMoney('0.24994'));
      // The cut lands within the last second (TIMEOUT is whole seconds): 162 or 163 s billed.
      const expected: Record<number, [string, string]> = {
        162: ['0.27', '0.2484'],
        163: ['0.27167', '0.24994'],
      };
      const [usd, eur] = expected[cdr.billsec] ?? ['?', '?'];
      assert.deepEqual(
        [cdr.tariffCost, cdr.cost],
        [parseMoney(usd), parseMoney(eur)],
        `billsec ${cdr.billsec}`,
      );
      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.equal(after.balance, parseMoney('0.25') - cdr.cost, 'never below zero');
      assert.equal(after.reserved, 0n);
      assert.equal(await e.t.store.ledgerSum(acct.id), after.balance);
    });
  });
});

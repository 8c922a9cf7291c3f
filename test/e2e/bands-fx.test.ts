/**
 * A banded call that is also converted, through the real daemon (ARI simulator on a manual clock,
 * SQLite and MariaDB): a EUR account on a USD tariff with a peak band talks from off-peak into
 * peak until its money runs out. The grant is the longest time whose banded USD cost converts to
 * at most the EUR balance; the CDR keeps the split by band in USD, the USD cost, the rate and the
 * EUR charge; the balance and ledger move in EUR.
 */
import assert from 'node:assert/strict';
import { formatFxRate, parseFxRate, parseMoney, type Rate } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import { quiet, settledCdr, startE2e, talking, waitFor, type E2e } from './harness.js';

const perSecond = (tariff: string, perMin: string): Rate => ({
  tariff,
  prefix: '44',
  description: 'UK',
  ratePerMin: parseMoney(perMin),
  connectFee: 0n,
  initialSecs: 1,
  incrementSecs: 1,
  minSecs: 0,
});

/** Tuesday 2026-11-24, 07:58 in Berlin: peak (Mon–Fri 08:00–18:00) starts two minutes in. */
const START = Date.parse('2026-11-24T06:58:00.000Z');

describe('time bands and currencies together: a banded USD call from a EUR account', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, { startTime: START, rules: [{ prefix: '', action: 'answer' }] });
      const s = e.t.store;
      await s.upsertRates([perSecond('usd', '0.06'), perSecond('usd-peak', '0.12')]);
      await s.setBands({
        tariff: 'usd',
        zone: 'Europe/Berlin',
        bands: [
          {
            name: 'peak',
            days: [1, 2, 3, 4, 5],
            from: 8 * 60,
            to: 18 * 60,
            bandTariff: 'usd-peak',
          },
        ],
      });
      await s.setTariffCurrency('usd', 'USD');
      await s.setFxRate({
        base: 'USD',
        quote: 'EUR',
        rate: parseFxRate('0.92'),
        effectiveFrom: new Date('2026-11-01T00:00:00Z'),
      });
    });
    after(async () => e?.close());

    it('is cut where the converted money runs out in peak, and charged per band then converted once', async () => {
      const acct = await e.t.seedAccount({ balance: '0.50', tariff: 'usd', currency: 'EUR' });
      const call = e.sim.placeCall({ exten: '4420000001', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      const answered = e.sim.manualClock.now();
      // 0.50 EUR converts back to at most 0.54348 USD. 120 s off-peak cost 0.12 USD; 0.42348 USD
      // buys 211 s of peak: 331 s for 0.542 USD = 0.49864 EUR (332 s would be 0.50048 EUR).
      assert.equal(e.sim.channel(call.channelId)?.absoluteDeadline, answered + 331_000);
      const [res] = await e.t.store.reservations();
      assert.deepEqual([res?.maxSeconds, res?.maxCost], [331, parseMoney('0.49864')]);
      e.advance(330_000);
      assert.ok(e.sim.channel(call.channelId), 'still talking at 330 s');
      e.advance(5_000);
      const cdr = await settledCdr(e, call.channelId);
      await quiet(e);
      const a = e.sim.ended(call.channelId)!;
      assert.deepEqual([a.hungUpBy, a.endedAt], ['timeout', answered + 331_000]);
      assert.equal(cdr.billsec, 331);
      assert.deepEqual(cdr.bandSplit, [
        { band: 'base', seconds: 120, cost: parseMoney('0.12') },
        { band: 'peak', seconds: 211, cost: parseMoney('0.422') },
      ]);
      assert.equal(cdr.rate?.fx?.currency, 'USD');
      assert.equal(formatFxRate(cdr.rate!.fx!.rate), '0.92');
      assert.equal(cdr.tariffCost, parseMoney('0.542'));
      assert.equal(cdr.cost, parseMoney('0.49864'));
      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.deepEqual([after.balance, after.reserved], [parseMoney('0.00136'), 0n]);
      const charges = (await e.t.store.ledger(acct.id)).filter((l) => l.kind === 'charge');
      assert.deepEqual(
        charges.map((l) => [l.reference, l.amount]),
        [[call.channelId, -parseMoney('0.49864')]],
      );
      assert.equal(await e.t.store.ledgerSum(acct.id), after.balance);
    });
  });
});

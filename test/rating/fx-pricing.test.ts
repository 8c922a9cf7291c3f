import { expect } from 'chai';
import {
  callCost,
  convert,
  costOf,
  firstBoundary,
  largestConvertible,
  maxAffordableSeconds,
  nextGrantPriced,
  parseFxRate,
  parseMoney,
  pricingOf,
  tariffCostOf,
  type FxRate,
  type Priced,
} from '../../daemon/src/rating/index.js';
import { prng } from '../support/prng.js';

/** A USD tariff at 0.10 a minute, 60/60, no fee; 1 USD = 0.92 EUR. */
const USD_TARIFF: Priced = {
  ratePerMin: parseMoney('0.10'),
  connectFee: 0n,
  initialSecs: 60,
  incrementSecs: 60,
  minSecs: 0,
};
const USD_EUR = parseFxRate('0.92');
const converted: Priced = { ...USD_TARIFF, fx: { currency: 'USD', rate: USD_EUR } };

describe('rating: pricing through an exchange rate', () => {
  it('converts the whole cost once and buys the time the converted money buys (table)', () => {
    const p = pricingOf(converted, 0);
    // Ten minutes cost 1.00 USD = 0.92 EUR; 1 EUR buys ten minutes, not eleven (1.012 EUR).
    expect(p.cost(600)).to.equal(parseMoney('0.92'));
    expect(tariffCostOf(converted, 0, 600)).to.equal(parseMoney('1.00'));
    expect(p.maxAffordable(parseMoney('1'), 3600)).to.equal(600);
    expect(p.cost(660)).to.equal(parseMoney('1.012'));
    expect(p.maxAffordable(parseMoney('1.012'), 3600)).to.equal(660);
    expect(p.maxAffordable(parseMoney('1.01199'), 3600)).to.equal(600);
    // Rounded once for the call: 61 s bills 120 s = 0.20 USD = 0.184 EUR, not 2 × 0.092 rounded.
    expect(costOf(converted, 0, 61)).to.equal(parseMoney('0.184'));
    // A third of a minor unit per second, converted: rounding is half-up on the whole.
    const odd: Priced = {
      ...USD_TARIFF,
      ratePerMin: 20n,
      initialSecs: 1,
      incrementSecs: 1,
      fx: { currency: 'USD', rate: parseFxRate('0.5') },
    };
    expect(costOf(odd, 0, 3)).to.equal(1n); // 1 USD minor → 0.5 → 1
    expect(costOf(odd, 0, 9)).to.equal(2n); // 3 → 1.5 → 2
    expect(pricingOf(odd, 0).maxAffordable(1n, 100)).to.equal(6); // 2 USD minor → 1
    expect(pricingOf(odd, 0).maxAffordable(0n, 100)).to.equal(0);
    expect(pricingOf(odd, 0).maxAffordable(-5n, 100)).to.equal(0);
  });

  it('a rate without fx prices exactly as the tariff does', () => {
    for (const s of [0, 1, 59, 60, 61, 3600])
      expect(costOf(USD_TARIFF, 0, s)).to.equal(callCost(USD_TARIFF, s));
    expect(pricingOf(USD_TARIFF, 0).maxAffordable(parseMoney('1'), 3600)).to.equal(
      maxAffordableSeconds(USD_TARIFF, parseMoney('1'), 3600),
    );
  });

  it('largestConvertible is the exact inverse bound of convert (seeded property)', () => {
    const rand = prng(18_310);
    for (let i = 0; i < 3000; i++) {
      const r: FxRate = {
        num: BigInt(1 + Math.floor(rand() * 200_000_000)),
        den: 10n ** BigInt(Math.floor(rand() * 7)),
      };
      const a = BigInt(Math.floor(rand() * 1e10));
      const c = largestConvertible(a, r);
      expect(convert(c, r) <= a, `case ${i}`).to.equal(true);
      expect(convert(c + 1n, r) > a, `case ${i}`).to.equal(true);
    }
  });

  describe('the longest affordable call and grant slices, converted (seeded property)', () => {
    const WEEKDAYS = [1, 2, 3, 4, 5];
    function randomCase(rand: () => number) {
      const int = (n: number) => Math.floor(rand() * n);
      const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
      const fx: FxRate = pick([
        parseFxRate('0.92'),
        parseFxRate('1.0845'),
        parseFxRate('157.3'),
        parseFxRate('0.0061'),
        { num: BigInt(1 + int(3_000_000)), den: 1_000_000n },
      ]);
      const banded = rand() < 0.5;
      const r: Priced = {
        ratePerMin: BigInt(int(30_000)),
        connectFee: BigInt(int(10_000)),
        initialSecs: pick([1, 6, 30, 60]),
        incrementSecs: pick([1, 6, 30, 60]),
        minSecs: pick([0, 0, 45]),
        fx: { currency: 'USD', rate: fx },
        banding: banded
          ? {
              zone: pick(['Europe/Berlin', 'America/New_York', 'UTC']),
              bands: [
                {
                  name: 'peak',
                  days: WEEKDAYS,
                  from: 8 * 60,
                  to: 18 * 60,
                  ratePerMin: BigInt(int(60_000)),
                },
              ],
            }
          : null,
      };
      // Within a few hours of a weekday peak start, so banded calls cross it.
      const answerMs = Date.parse('2026-11-23T05:30:00Z') + int(6 * 3600_000);
      return { r, answerMs, int };
    }

    it('cost(max) ≤ available and one more block costs more, flat and banded', () => {
      const rand = prng(18_311);
      for (let i = 0; i < 600; i++) {
        const { r, answerMs, int } = randomCase(rand);
        const p = pricingOf(r, answerMs);
        const available = BigInt(int(3_000_000));
        const cap = 1 + int(3 * 3600);
        const t = p.maxAffordable(available, cap);
        const what = `case ${i}: ${JSON.stringify({ available: `${available}`, cap, t })}`;
        expect(t, what).to.be.at.most(cap);
        const b0 = firstBoundary(r);
        if (t === 0) {
          expect(p.cost(b0) > available, what).to.equal(true);
          continue;
        }
        expect(p.cost(t) <= available, what).to.equal(true);
        expect(p.cost(t), what).to.equal(convert(tariffCostOf(r, answerMs, t), r.fx!.rate));
        const next = t < b0 ? b0 : t + r.incrementSecs;
        if (next <= cap) expect(p.cost(next) > available, what).to.equal(true);
      }
    });

    it('grant slices reach exactly the longest affordable call, each within the money', () => {
      const rand = prng(18_312);
      for (let i = 0; i < 200; i++) {
        const { r, answerMs, int } = randomCase(rand);
        const p = pricingOf(r, answerMs);
        const budget = BigInt(int(1_000_000));
        const cap = 60 + int(2 * 3600);
        const grantSeconds = 1 + int(600);
        let granted = 0;
        let held = 0n;
        for (let step = 0; step < 10_000; step++) {
          const g = nextGrantPriced(r, p, {
            granted,
            held,
            available: budget - held,
            grantSeconds,
            capSeconds: cap,
          });
          expect(p.cost(g.total) <= budget, `case ${i} step ${step}`).to.equal(true);
          expect(held + g.more).to.equal(g.total === 0 ? 0n : p.cost(g.total));
          held += g.more;
          const done = g.final || g.total === granted;
          granted = g.total;
          if (done) break;
        }
        expect(granted, `case ${i}`).to.equal(p.maxAffordable(budget, cap));
      }
    });
  });
});

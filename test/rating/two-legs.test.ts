import { expect } from 'chai';
import {
  bandedPricing,
  bLegSecondsAfterRing,
  bLegSecondsAfterRingPriced,
  callCost,
  isBillingBoundary,
  maxAffordableSecondsTwoLegs,
  maxAffordableSecondsTwoLegsPriced,
  parseMoney,
  type Rate,
} from '../../daemon/src/rating/index.js';
import { prng } from '../support/prng.js';

type Tariffing = Pick<
  Rate,
  'ratePerMin' | 'connectFee' | 'initialSecs' | 'incrementSecs' | 'minSecs'
>;

const tariff = (rate: string, initialSecs: number, incrementSecs: number): Tariffing => ({
  ratePerMin: parseMoney(rate),
  connectFee: 0n,
  initialSecs,
  incrementSecs,
  minSecs: 0,
});

function randomTariff(rnd: () => number): Tariffing {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  return {
    ratePerMin: BigInt(Math.floor(rnd() * 500_000)),
    connectFee: pick([0n, 0n, 1n, 5_000n, BigInt(Math.floor(rnd() * 50_000))]),
    initialSecs: pick([1, 6, 30, 60, 60, 90]),
    incrementSecs: pick([1, 6, 6, 30, 60]),
    minSecs: pick([0, 0, 0, 10, 61, 120]),
  };
}

describe('rating: callback leg B timed from leg A', () => {
  it('gives B the ring time back: 0.30 at 0.05/min 60/6 + 0.10/min 1/1, B rang 5 s → B 117 s, A 122 s', () => {
    const a = tariff('0.05', 60, 6);
    const b = tariff('0.10', 1, 1);
    const money = parseMoney('0.30');
    expect(maxAffordableSecondsTwoLegs(a, b, money, 3600)).to.equal(120);
    // Before: both legs ended at A's answer + 120 s, so B had 115 s and 0.29167 of 0.30 was used.
    expect(callCost(a, 120) + callCost(b, 115)).to.equal(parseMoney('0.29167'));
    const tb = bLegSecondsAfterRing(a, b, money, 5, 3600);
    expect(tb).to.equal(117);
    expect(callCost(a, 5 + tb) + callCost(b, tb)).to.equal(money);
    // Where both legs step at the same second, the ring time gives nothing more.
    expect(bLegSecondsAfterRing(a, tariff('0.10', 60, 6), money, 5, 3600)).to.equal(115);
  });

  it('is 0 when not one second of B fits, and keeps A within the longest call', () => {
    const a = tariff('0.05', 60, 6);
    const b = tariff('0.10', 60, 6);
    expect(bLegSecondsAfterRing(a, b, parseMoney('0.15'), 3, 3600)).to.equal(57);
    expect(bLegSecondsAfterRing(a, b, parseMoney('0.14'), 3, 3600)).to.equal(0);
    expect(bLegSecondsAfterRing(a, b, parseMoney('1000'), 30, 120)).to.equal(90);
    expect(bLegSecondsAfterRing(a, b, parseMoney('1000'), 120, 120)).to.equal(0);
    expect(() => bLegSecondsAfterRing(a, b, 1n, -1, 60)).to.throw(RangeError);
  });

  describe('over 4,000 random tariff pairs, credits and ring times', () => {
    const rnd = prng(20261201);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const cases = Array.from({ length: 4000 }, () => ({
      a: randomTariff(rnd),
      b: randomTariff(rnd),
      money: BigInt(Math.floor(rnd() * 5_000_000)) - 1_000n,
      cap: pick([3600, 3600, 600, 59, 100, 7200]),
      ring: pick([0, 1, 5, 17, 29, 45, 61, 120]),
    }));

    it('never exceeds the credit, uses it to the last billing boundary, and never gives less than before', () => {
      for (const [i, c] of cases.entries()) {
        const label = JSON.stringify({ i, money: String(c.money), cap: c.cap, ring: c.ring });
        const tb = bLegSecondsAfterRing(c.a, c.b, c.money, c.ring, c.cap);
        const cost = (t: number) => callCost(c.a, c.ring + t) + callCost(c.b, t);
        if (tb > 0) expect(c.ring + tb, label).to.be.at.most(c.cap);
        // What authorise reserved (T for both legs) still covers what B is given now.
        const t = maxAffordableSecondsTwoLegs(c.a, c.b, c.money, c.cap);
        if (t > c.ring) expect(tb, label).to.be.at.least(t - c.ring);
        if (tb === 0) {
          expect(c.money < 0n || c.ring + 1 > c.cap || cost(1) > c.money, label).to.equal(true);
          continue;
        }
        expect(cost(tb) <= c.money, label).to.equal(true);
        if (c.ring + tb < c.cap) {
          // One more second of both legs would pass the credit: nothing usable is left over.
          expect(cost(tb + 1) > c.money, label).to.equal(true);
          expect(isBillingBoundary(c.a, c.ring + tb) || isBillingBoundary(c.b, tb), label).to.equal(
            true,
          );
        }
      }
    });

    it('bills within the credit whenever both legs end together before B’s limit', () => {
      for (const c of cases.slice(0, 800)) {
        const tb = bLegSecondsAfterRing(c.a, c.b, c.money, c.ring, c.cap);
        for (const talked of [0, 1, Math.floor(tb / 2), tb - 1, tb]) {
          if (talked < 0 || talked > tb) continue;
          const charged = callCost(c.a, c.ring + talked) + callCost(c.b, talked);
          expect(talked === 0 || charged <= c.money).to.equal(true);
        }
      }
    });
  });
});

describe('two legs priced by time bands (bLegSecondsAfterRingPriced, maxAffordableSecondsTwoLegsPriced)', () => {
  // Per second, 0.06/min off-peak, 0.12/min in peak from 07:00Z (08:00 Berlin) on a Monday.
  const base = tariff('0.06', 1, 1);
  const banded = {
    base,
    zone: 'Europe/Berlin',
    bands: [
      { name: 'peak', days: [1, 2, 3, 4, 5], from: 480, to: 1080, ratePerMin: parseMoney('0.12') },
    ],
  };
  const peakAt = Date.parse('2026-11-23T07:00:00Z');
  const pricing = (answerMs: number) => bandedPricing(banded, answerMs);

  it('prices both legs across the boundary: 60 s off-peak then peak', () => {
    // Both answered 60 s before peak: 60 s cost 0.06 per leg, then 0.004/s for the pair.
    const p = pricing(peakAt - 60_000);
    // 0.50 - 0.12 = 0.38 buys 95 s of peak for both legs: T = 155.
    expect(maxAffordableSecondsTwoLegsPriced(p, p, parseMoney('0.50'), 3600)).to.equal(155);
    const flat = maxAffordableSecondsTwoLegs(base, base, parseMoney('0.50'), 3600);
    expect(flat).to.equal(250);
  });

  it("times B from its own answer in peak, A from A's off-peak answer", () => {
    // A answered 60 s before peak, B 10 s later (ring 10): A 60 s off-peak (0.06), then
    // A at 0.002/s + B at 0.002/s in peak: 0.50 = 0.06 + 0.002·(T_B + 10 − 60) + 0.002·T_B.
    const tb = bLegSecondsAfterRingPriced(
      pricing(peakAt - 60_000),
      pricing(peakAt - 50_000),
      parseMoney('0.50'),
      10,
      3600,
    );
    // B: 50 s off-peak first (0.05), then peak; solve: 0.06 + 0.002(tb−50) + 0.05 + 0.002(tb−50) ≤ 0.50.
    expect(tb).to.equal(147);
    const cost = (t: number) =>
      pricing(peakAt - 60_000).cost(10 + t) + pricing(peakAt - 50_000).cost(t);
    expect(cost(tb) <= parseMoney('0.50')).to.equal(true);
    expect(cost(tb + 1) > parseMoney('0.50')).to.equal(true);
  });
});

import { expect } from 'chai';
import {
  billedSeconds,
  callCost,
  firstBoundary,
  maxAffordableSeconds,
  parseMoney,
  type Rate,
} from '../../daemon/src/rating/index.js';
import { prng } from '../support/prng.js';

type Tariffing = Pick<
  Rate,
  'ratePerMin' | 'connectFee' | 'initialSecs' | 'incrementSecs' | 'minSecs'
>;

const std: Tariffing = {
  ratePerMin: parseMoney('0.05'),
  connectFee: 0n,
  initialSecs: 60,
  incrementSecs: 6,
  minSecs: 0,
};

describe('rating: the longest affordable call', () => {
  it('gives 1200 s for 1.00 at 0.05/min', () => {
    expect(maxAffordableSeconds(std, parseMoney('1.00'), 3600)).to.equal(1200);
  });

  it('is capped by the account or global maximum, on a billing boundary', () => {
    expect(maxAffordableSeconds(std, parseMoney('100'), 3600)).to.equal(3600);
    expect(maxAffordableSeconds(std, parseMoney('100'), 100)).to.equal(96);
  });

  it('is 0 when even the first block is unaffordable', () => {
    expect(maxAffordableSeconds(std, parseMoney('0.04999'), 3600)).to.equal(0);
    expect(
      maxAffordableSeconds({ ...std, connectFee: parseMoney('0.10') }, parseMoney('0.14'), 3600),
    ).to.equal(0);
    expect(maxAffordableSeconds(std, 0n, 3600)).to.equal(0);
    expect(maxAffordableSeconds(std, -5n, 3600)).to.equal(0);
  });

  it('lets a free destination run to the cap', () => {
    expect(maxAffordableSeconds({ ...std, ratePerMin: 0n }, 0n, 3600)).to.equal(3600);
  });

  it('stops at the last boundary whose cost fits: 0.18 with a 0.10 fee on 60/6 → 96 s', () => {
    const r = { ...std, connectFee: parseMoney('0.10') };
    expect(maxAffordableSeconds(r, parseMoney('0.18'), 3600)).to.equal(96);
    expect(callCost(r, 96)).to.equal(parseMoney('0.18'));
    expect(callCost(r, 97) > parseMoney('0.18')).to.equal(true);
  });

  describe('over 5,000 random tariffs and amounts', () => {
    const rnd = prng(20261122);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const cases = Array.from({ length: 5000 }, () => {
      const r: Tariffing = {
        ratePerMin: BigInt(Math.floor(rnd() * 500_000)),
        connectFee: pick([0n, 0n, 1n, 5_000n, BigInt(Math.floor(rnd() * 50_000))]),
        initialSecs: pick([1, 6, 30, 60, 60, 90]),
        incrementSecs: pick([1, 6, 6, 30, 60]),
        minSecs: pick([0, 0, 0, 10, 61, 120]),
      };
      return {
        r,
        available: BigInt(Math.floor(rnd() * 10_000_000)) - 1_000n,
        cap: pick([3600, 3600, 600, 59, 100, 7200]),
      };
    });

    it('never grants more than the money pays for, and never less than it could', () => {
      for (const { r, available, cap } of cases) {
        const max = maxAffordableSeconds(r, available, cap);
        const label = JSON.stringify({
          ...r,
          ratePerMin: String(r.ratePerMin),
          connectFee: String(r.connectFee),
          available: String(available),
          cap,
        });
        expect(max, label).to.be.at.most(cap);
        if (max === 0) {
          expect(callCost(r, firstBoundary(r)) > available || cap === 0, label).to.equal(true);
          continue;
        }
        expect(callCost(r, max) <= available, label).to.equal(true);
        // A boundary (billed exactly as granted) unless the cap cuts inside the first block.
        if (max >= firstBoundary(r)) expect(billedSeconds(r, max), label).to.equal(max);
        const next = max + (max >= firstBoundary(r) ? r.incrementSecs : firstBoundary(r) - max);
        expect(next > cap || callCost(r, next) > available, label).to.equal(true);
      }
    });

    it('cost is monotone in the seconds talked', () => {
      for (const { r } of cases.slice(0, 300)) {
        let prev = 0n;
        for (let s = 0; s <= 400; s += 1) {
          const c = callCost(r, s);
          expect(c >= prev).to.equal(true);
          prev = c;
        }
      }
    });
  });
});

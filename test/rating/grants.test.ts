import assert from 'node:assert/strict';
import { expect } from 'chai';
import {
  billedSeconds,
  boundaryAbove,
  callCost,
  firstBoundary,
  grantTarget,
  isBillingBoundary,
  maxAffordableSeconds,
  maxAffordableSecondsTwoLegs,
  nextGrant,
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

function randomTariffs(
  seed: number,
  n: number,
): Array<{ r: Tariffing; money: bigint; cap: number; grant: number }> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  return Array.from({ length: n }, () => ({
    r: {
      ratePerMin: BigInt(Math.floor(rnd() * 500_000)),
      connectFee: pick([0n, 0n, 1n, 5_000n, BigInt(Math.floor(rnd() * 50_000))]),
      initialSecs: pick([1, 6, 30, 60, 60, 90]),
      incrementSecs: pick([1, 6, 6, 30, 60]),
      minSecs: pick([0, 0, 0, 10, 61, 120]),
    },
    money: BigInt(Math.floor(rnd() * 5_000_000)) - 1_000n,
    cap: pick([3600, 3600, 600, 59, 100, 7200]),
    grant: pick([1, 30, 60, 60, 90, 300]),
  }));
}

describe('rating: interim grants', () => {
  it('slices a 60/6 tariff into 60 s grants on billing boundaries', () => {
    expect(grantTarget(std, 0, 60)).to.equal(60);
    expect(grantTarget(std, 60, 60)).to.equal(120);
    expect(grantTarget(std, 0, 45), 'never below the first block').to.equal(60);
    expect(grantTarget(std, 60, 4), 'at least one increment more').to.equal(66);
    expect(boundaryAbove(std, 0)).to.equal(60);
    expect(boundaryAbove(std, 60)).to.equal(66);
  });

  it('grants a full slice while the money lasts, then the last affordable boundary as the final grant', () => {
    // 0.25 at 0.05/min = 300 s; granted 240 s (0.20 held), 0.05 left → one more minute, final.
    const g = nextGrant(std, {
      granted: 240,
      held: parseMoney('0.20'),
      available: parseMoney('0.05'),
      grantSeconds: 60,
      capSeconds: 3600,
    });
    expect(g).to.deep.equal({ total: 300, more: parseMoney('0.05'), final: true, why: 'credit' });
    const partial = nextGrant(std, {
      granted: 240,
      held: parseMoney('0.20'),
      available: parseMoney('0.03'),
      grantSeconds: 60,
      capSeconds: 3600,
    });
    expect(partial.total, '0.03 pays 36 s: 276 s is the last boundary').to.equal(276);
    expect(partial.final).to.equal(true);
    const none = nextGrant(std, {
      granted: 240,
      held: parseMoney('0.20'),
      available: parseMoney('0.004'),
      grantSeconds: 60,
      capSeconds: 3600,
    });
    expect(none).to.deep.equal({ total: 240, more: 0n, final: true, why: 'credit' });
    const capped = nextGrant(std, {
      granted: 3540,
      held: parseMoney('2.95'),
      available: parseMoney('100'),
      grantSeconds: 60,
      capSeconds: 3600,
    });
    expect(capped).to.deep.equal({
      total: 3600,
      more: parseMoney('0.05'),
      final: true,
      why: 'cap',
    });
    const open = nextGrant(std, {
      granted: 60,
      held: parseMoney('0.05'),
      available: parseMoney('100'),
      grantSeconds: 60,
      capSeconds: 3600,
    });
    expect(open).to.deep.equal({ total: 120, more: parseMoney('0.05'), final: false, why: null });
  });

  describe('over 1,500 random tariffs, amounts and slice sizes', () => {
    const cases = randomTariffs(20261123, 1500);

    it('keeps the reservation the cost of the granted total, and never grants past the money or the cap', () => {
      for (const { r, money, cap, grant } of cases) {
        const label = JSON.stringify({
          ...r,
          ratePerMin: String(r.ratePerMin),
          connectFee: String(r.connectFee),
          money: String(money),
          cap,
          grant,
        });
        let granted = 0;
        let held = 0n;
        let available = money;
        for (let i = 0; i < 100_000; i++) {
          const g = nextGrant(r, {
            granted,
            held,
            available,
            grantSeconds: grant,
            capSeconds: cap,
          });
          // node:assert here: chai's expect chain per step made this loop take seconds.
          assert.ok(g.total >= granted, label);
          assert.ok(g.total <= Math.max(cap, granted), label);
          if (g.total > granted) {
            assert.equal(held + g.more, callCost(r, g.total), label);
            assert.ok(g.more <= available, label);
            if (g.total >= firstBoundary(r) && g.total < cap)
              assert.equal(billedSeconds(r, g.total), g.total, label);
          }
          held += g.more;
          available -= g.more;
          granted = g.total;
          if (g.final) break;
          assert.ok(g.total > 0, label);
        }
        // Slicing ends exactly where one big reservation would have (same money, same cap).
        expect(granted, label).to.equal(maxAffordableSeconds(r, money, cap));
      }
    });
  });
});

describe('rating: the longest affordable callback (two legs, one common duration)', () => {
  const b: Tariffing = {
    ratePerMin: parseMoney('0.10'),
    connectFee: parseMoney('0.02'),
    initialSecs: 30,
    incrementSecs: 1,
    minSecs: 0,
  };

  it('fits both legs in the money: 1.00 for 0.05/min + 0.10/min (+0.02) → 390 s', () => {
    const t = maxAffordableSecondsTwoLegs(std, b, parseMoney('1.00'), 3600);
    expect(callCost(std, t) + callCost(b, t) <= parseMoney('1.00')).to.equal(true);
    expect(callCost(std, t + 1) + callCost(b, t + 1) > parseMoney('1.00')).to.equal(true);
    expect(t).to.equal(390);
  });

  it('is 0 when not even the first blocks fit, and the cap when money is plenty', () => {
    expect(maxAffordableSecondsTwoLegs(std, b, parseMoney('0.06'), 3600)).to.equal(0);
    expect(maxAffordableSecondsTwoLegs(std, b, parseMoney('1000'), 3600)).to.equal(3600);
    expect(maxAffordableSecondsTwoLegs(std, b, -1n, 3600)).to.equal(0);
  });

  it('equals the single-leg answer when the other leg is free', () => {
    const free: Tariffing = { ...b, ratePerMin: 0n, connectFee: 0n };
    for (const m of ['0.05', '0.5', '1', '3.33']) {
      const single = maxAffordableSeconds(std, parseMoney(m), 3600);
      const two = maxAffordableSecondsTwoLegs(std, free, parseMoney(m), 3600);
      expect(boundaryAbove(std, two) > boundaryAbove(std, single) || two >= single).to.equal(true);
      expect(callCost(std, two) <= parseMoney(m)).to.equal(true);
      expect(callCost(std, two)).to.equal(callCost(std, single));
    }
  });

  describe('over 3,000 random pairs of tariffs', () => {
    const xs = randomTariffs(777, 3000);
    const ys = randomTariffs(778, 3000);

    it('never grants a duration whose two costs exceed the money, never less than it could, and on a boundary', () => {
      for (let i = 0; i < xs.length; i++) {
        const { r: ra, money, cap } = xs[i]!;
        const rb = ys[i]!.r;
        const label = JSON.stringify({ i, money: String(money), cap });
        const t = maxAffordableSecondsTwoLegs(ra, rb, money, cap);
        expect(t, label).to.be.at.most(cap);
        const cost = (s: number) => callCost(ra, s) + callCost(rb, s);
        if (t === 0) {
          expect(money < 0n || cost(1) > money, label).to.equal(true);
          continue;
        }
        expect(cost(t) <= money, label).to.equal(true);
        if (t < cap) {
          expect(cost(t + 1) > money, label).to.equal(true);
          expect(isBillingBoundary(ra, t) || isBillingBoundary(rb, t), label).to.equal(true);
        }
      }
    });

    it('is monotone in the money', () => {
      for (let i = 0; i < 500; i++) {
        const { r: ra, money, cap } = xs[i]!;
        const rb = ys[i]!.r;
        const t1 = maxAffordableSecondsTwoLegs(ra, rb, money, cap);
        const t2 = maxAffordableSecondsTwoLegs(ra, rb, money + 12_345n, cap);
        expect(t2).to.be.at.least(t1);
      }
    });
  });
});

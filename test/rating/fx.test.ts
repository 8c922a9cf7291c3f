import { expect } from 'chai';
import { convert, formatFxRate, parseFxRate, parseMoney } from '../../daemon/src/rating/index.js';
import { prng } from '../support/prng.js';

describe('rating: exchange rates', () => {
  it('reads a rate exactly and writes it back as given', () => {
    expect(parseFxRate('1.0845')).to.deep.equal({ num: 10845n, den: 10000n });
    expect(parseFxRate('2')).to.deep.equal({ num: 2n, den: 1n });
    expect(formatFxRate(parseFxRate('0.9220'))).to.equal('0.9220');
    expect(formatFxRate(parseFxRate('0.005'))).to.equal('0.005');
    for (const bad of ['0', '0.000', '-1.2', '1e3', '', '1.', 'abc'])
      expect(() => parseFxRate(bad), bad).to.throw(RangeError);
  });

  it('converts once, rounding half-up at the minor unit', () => {
    const usd = parseFxRate('1.0845');
    expect(convert(parseMoney('10'), usd)).to.equal(parseMoney('10.845'));
    // 0.00001 × 1.0845 = 0.0000108 → 0.00001; 0.00005 × 1.0845 = 0.0000542 → 0.00005.
    expect(convert(1n, usd)).to.equal(1n);
    expect(convert(5n, usd)).to.equal(5n);
    // Exactly half a minor unit rounds up: 1 × 0.5 = 0.5 → 1; 3 × 0.5 = 1.5 → 2.
    const half = parseFxRate('0.5');
    expect([1n, 2n, 3n].map((a) => convert(a, half))).to.deep.equal([1n, 1n, 2n]);
    expect(convert(-3n, half)).to.equal(-2n);
    expect(convert(0n, usd)).to.equal(0n);
  });

  it('is within half a minor unit of the exact product (seeded property)', () => {
    const rand = prng(18_300);
    for (let i = 0; i < 2000; i++) {
      const r = { num: BigInt(1 + Math.floor(rand() * 3_000_000)), den: 1_000_000n };
      const a = BigInt(Math.floor(rand() * 1e12));
      const c = convert(a, r);
      // |c·den − a·num| ≤ den/2, and rounding half-up: 2(c·den − a·num) ∈ (−den, den].
      const twice = 2n * (c * r.den - a * r.num);
      expect(twice > -r.den && twice <= r.den, `case ${i}`).to.equal(true);
    }
  });
});

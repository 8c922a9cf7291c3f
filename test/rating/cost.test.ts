import { expect } from 'chai';
import { billedSeconds, callCost, parseMoney, type Rate } from '../../daemon/src/rating/index.js';

function rate(over: Partial<Rate> = {}): Rate {
  return {
    tariff: 'std',
    prefix: '44',
    description: 'UK',
    ratePerMin: parseMoney('0.05'),
    connectFee: parseMoney('0.10'),
    initialSecs: 60,
    incrementSecs: 6,
    minSecs: 0,
    ...over,
  };
}

describe('rating: what a call costs', () => {
  describe('billed seconds follow the tariff increments', () => {
    const table: Array<[string, Partial<Rate>, number, number]> = [
      ['60/6, 1 s is a whole first block', {}, 1, 60],
      ['60/6, exactly 60 s', {}, 60, 60],
      ['60/6, 61 s starts a 6 s step', {}, 61, 66],
      ['60/6, 95 s', {}, 95, 96],
      ['60/6, 96 s is on a boundary', {}, 96, 96],
      ['1/1 bills every second', { initialSecs: 1, incrementSecs: 1 }, 37, 37],
      ['30/6, 31 s', { initialSecs: 30, incrementSecs: 6 }, 31, 36],
      ['minimum 90 s on 60/6, 10 s', { minSecs: 90 }, 10, 90],
      ['minimum 91 s on 60/6 rounds to the boundary', { minSecs: 91 }, 10, 96],
      ['0 s is not billed', {}, 0, 0],
    ];
    for (const [name, over, billsec, expected] of table) {
      it(`${name}: ${billsec} s → ${expected} s`, () => {
        expect(billedSeconds(rate(over), billsec)).to.equal(expected);
      });
    }
  });

  it('charges 0.10 + 0.05×96/60 = 0.18 exactly for a 95 s call on 60/6', () => {
    expect(callCost(rate(), 95)).to.equal(parseMoney('0.18'));
  });

  it('charges nothing, not even the connection fee, for 0 billed seconds', () => {
    expect(callCost(rate(), 0)).to.equal(0n);
  });

  it('rounds a fraction of a minor unit up, never down', () => {
    // 0.00001/min for 1 s = 1/60 of a minor unit → 1 minor unit.
    expect(
      callCost(rate({ ratePerMin: 1n, connectFee: 0n, initialSecs: 1, incrementSecs: 1 }), 1),
    ).to.equal(1n);
  });

  it('refuses fractional or negative seconds', () => {
    expect(() => billedSeconds(rate(), 1.5)).to.throw(RangeError);
    expect(() => billedSeconds(rate(), -1)).to.throw(RangeError);
  });
});

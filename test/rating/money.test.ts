import { expect } from 'chai';
import { formatMoney, moneyFromDb, parseMoney } from '../../daemon/src/rating/index.js';

describe('rating: money is exact integer minor units', () => {
  it('parses decimal strings without floating point', () => {
    expect(parseMoney('0.1') + parseMoney('0.2')).to.equal(parseMoney('0.3'));
    expect(parseMoney('12')).to.equal(1_200_000n);
    expect(parseMoney('-0.00001')).to.equal(-1n);
    expect(parseMoney('99999999999.99999')).to.equal(9_999_999_999_999_999n);
  });

  it('rejects amounts that are not plain decimals or are finer than a minor unit', () => {
    for (const bad of ['', 'abc', '1e3', '1.2.3', '0x10', '1,5', '0.000001', 'NaN', ' - 1']) {
      expect(() => parseMoney(bad), bad).to.throw(RangeError);
    }
    expect(parseMoney('1.500000')).to.equal(150_000n);
  });

  it('formats back to the same decimal', () => {
    for (const s of ['0.00000', '1.00000', '-3.14159', '0.18000'])
      expect(formatMoney(parseMoney(s))).to.equal(s);
    expect(formatMoney(parseMoney('1.5'), 2)).to.equal('1.50');
    expect(formatMoney(parseMoney('1.505'), 2)).to.equal('1.505');
  });

  it('reads database integers of every driver shape exactly and refuses lossy ones', () => {
    expect(moneyFromDb('9007199254740993')).to.equal(9_007_199_254_740_993n);
    expect(moneyFromDb(42)).to.equal(42n);
    expect(moneyFromDb(42n)).to.equal(42n);
    expect(() => moneyFromDb(0.5)).to.throw(RangeError);
    expect(() => moneyFromDb(2 ** 60)).to.throw(RangeError);
  });
});

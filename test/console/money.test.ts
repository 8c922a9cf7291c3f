import assert from 'node:assert/strict';
import { fromMinor, sumMoney, toMinor } from '../../daemon/src/console/web/money.js';

describe('console money sums (BigInt, never floating point)', () => {
  it('adds decimal strings exactly where floating point would not', () => {
    assert.equal(sumMoney(['0.1', '0.2']), '0.30');
    assert.equal(sumMoney(['0.00001', '0.00002', '1.1']), '1.10003');
    assert.equal(sumMoney(Array.from({ length: 10 }, () => '0.1')), '1.00');
    assert.equal(sumMoney([]), '0.00');
  });
  it('keeps signs and large values', () => {
    assert.equal(sumMoney(['-1.5', '0.25']), '-1.25');
    assert.equal(fromMinor(toMinor('90071992547.40991') + 1n), '90071992547.40992');
  });
  it('refuses what is not a decimal amount', () => {
    for (const bad of ['1e3', '0.123456', '', 'abc', '1,5']) assert.throws(() => toMinor(bad));
  });
});

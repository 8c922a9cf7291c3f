import { expect } from 'chai';
import { candidatePrefixes, longestPrefix } from '../../daemon/src/rating/index.js';

describe('rating: the destination prefix', () => {
  const rates = [{ prefix: '4' }, { prefix: '44' }, { prefix: '447' }, { prefix: '1' }];

  it('picks the longest matching prefix', () => {
    expect(longestPrefix(rates, '447911123456')?.prefix).to.equal('447');
    expect(longestPrefix(rates, '442071234567')?.prefix).to.equal('44');
    expect(longestPrefix(rates, '49301234')?.prefix).to.equal('4');
  });

  it('finds nothing for a number no prefix covers', () => {
    expect(longestPrefix(rates, '33123456')).to.equal(undefined);
    expect(longestPrefix(rates, '')).to.equal(undefined);
  });

  it('lists every candidate prefix longest first for a single indexed query', () => {
    expect(candidatePrefixes('4471')).to.deep.equal(['4471', '447', '44', '4']);
  });
});

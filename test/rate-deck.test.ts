import { expect } from 'chai';
import { parseEffective, parseMapping, parseRateDeck } from '../daemon/src/rate-deck.js';

describe('rate decks as carriers publish them', () => {
  it('takes the separator from the header line: ; when it has more of them than ,', () => {
    expect(
      parseRateDeck('prefix;rate;description\n44;0,05;"UK, fixed"\n', { tariff: 't' }),
    ).to.include({
      delimiter: ';',
    });
    const comma = parseRateDeck('prefix,rate,description\n44,0.05,"UK; fixed"\n', { tariff: 't' });
    expect(comma.delimiter).to.equal(',');
    expect(comma.rates[0]).to.include({ description: 'UK; fixed', ratePerMin: 5000n });
  });

  it('reads a decimal comma only in a semicolon deck (in a comma deck it is a field break)', () => {
    const d = parseRateDeck('prefix,rate\n44,0,05\n', { tariff: 't' });
    expect(d.problems).to.deep.equal(['line 2: expected 2 fields, found 3']);
  });

  it('reads one effective date for the deck and refuses two', () => {
    const one = parseRateDeck(
      'Code,Rate,Effective Date\n44,0.01,2026-12-01\n45,0.02,2026-12-01 00:00\n',
      { tariff: 't' },
    );
    expect(one.problems).to.deep.equal([]);
    expect(one.effective?.toISOString()).to.equal('2026-12-01T00:00:00.000Z');
    const two = parseRateDeck(
      'Code,Rate,Effective Date\n44,0.01,2026-12-01\n45,0.02,2026-12-02\n',
      {
        tariff: 't',
      },
    );
    expect(two.problems).to.have.length(1);
    expect(two.problems[0]).to.match(/^line 3: effective 2026-12-02 differs/);
  });

  it('parses effective dates with zones exactly and refuses impossible ones', () => {
    expect(parseEffective('2026-03-29T02:30+02:00').toISOString()).to.equal(
      '2026-03-29T00:30:00.000Z',
    );
    expect(parseEffective('2026-12-01T08:00:05Z').toISOString()).to.equal(
      '2026-12-01T08:00:05.000Z',
    );
    for (const bad of [
      '2026-02-30',
      '2026-13-01',
      '1/12/2026',
      'tomorrow',
      '2026-12-01T25:00',
      '2026-02-30T00:00+01:00',
    ])
      expect(() => parseEffective(bad), bad).to.throw(RangeError);
  });

  it('parses an explicit mapping and refuses unknown fields', () => {
    expect(parseMapping('prefix=Dial Code, rate_per_min=Price/min')).to.deep.equal({
      prefix: 'Dial Code',
      rate_per_min: 'Price/min',
    });
    expect(() => parseMapping('colour=Red')).to.throw(RangeError);
    expect(() => parseMapping('prefix')).to.throw(RangeError);
  });

  it('refuses a tariff column together with --tariff, and a deck with neither', () => {
    expect(parseRateDeck('tariff,prefix,rate\na,44,0.01\n', { tariff: 'b' }).problems[0]).to.match(
      /a tariff column and --tariff/,
    );
    expect(parseRateDeck('prefix,rate\n44,0.01\n').problems[0]).to.match(
      /missing column\(s\) tariff/,
    );
  });
});

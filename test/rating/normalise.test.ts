import { expect } from 'chai';
import {
  formatRule,
  normaliseNumber,
  parseRule,
  type NumberRule,
} from '../../daemon/src/rating/index.js';

const rules = (...texts: string[]): NumberRule[] => texts.map(parseRule);

/** A UK subscriber's rules: carrier select 1010, 00 and 011 international, 0 national. */
const UK = rules('strip:1010', 'plus', 'intl:00', 'intl:011', 'national:0:44');

describe('rating: number normalisation into E.164', () => {
  const table: Array<[string, string, string]> = [
    ['00 international prefix', '00447700900123', '447700900123'],
    ['011 international prefix (NANP style)', '011493012345678', '493012345678'],
    ['national prefix 0 gets the country code', '07700900123', '447700900123'],
    ['a leading +', '+447700900123', '447700900123'],
    ['carrier select, then 00', '101000493012345678', '493012345678'],
    ['carrier select, then national', '101007700900123', '447700900123'],
    ['already international: no rule matches, kept', '447700900123', '447700900123'],
  ];
  for (const [what, dialled, e164] of table)
    it(`${what}: ${dialled} → ${e164}`, () => {
      const n = normaliseNumber(UK, dialled);
      expect(n).to.include({ ok: true, number: e164 });
    });

  it('stops at the first rule that decides: 00 is international, not national 0 + 0…', () => {
    const n = normaliseNumber(UK, '00447700900123');
    expect(n.steps.map((s) => [s.rule, s.matched])).to.deep.equal([
      ['strip:1010', false],
      ['plus', false],
      ['intl:00', true],
    ]);
    expect(n.steps[2]).to.include({ before: '00447700900123', after: '447700900123' });
  });

  it('applies rules in the order given (national before intl reads 00… as national)', () => {
    const n = normaliseNumber(rules('national:0:44', 'intl:00'), '00447700900123');
    expect(n).to.include({ ok: true, number: '440447700900123' });
  });

  const refused: Array<[string, NumberRule[], string]> = [
    ['a national number when there is no national rule', rules('intl:00'), '07700900123'],
    ['a + when there is no plus rule', rules('intl:00'), '+447700900123'],
    ['letters', UK, '44ab12'],
    ['more than 15 digits', UK, '004412345678901234'],
    ['nothing left after the prefix', UK, '00'],
    ['a 0 after the international prefix', UK, '000447700'],
  ];
  for (const [what, set, dialled] of refused)
    it(`refuses ${what}: ${dialled}`, () => {
      const n = normaliseNumber(set, dialled);
      expect(n.ok, JSON.stringify(n)).to.equal(false);
      if (!n.ok) expect(n.why).to.contain(dialled);
    });

  it('passes the digits unchanged when there are no rules (the old behaviour)', () => {
    expect(normaliseNumber([], '0123')).to.include({ ok: true, number: '0123' });
  });

  it('reads back every rule it writes, and refuses malformed ones', () => {
    for (const t of ['strip:1010', 'plus', 'intl:00', 'intl:011', 'national:0:44', 'national:0:1'])
      expect(formatRule(parseRule(t))).to.equal(t);
    for (const bad of [
      'intl',
      'intl:',
      'intl:0a',
      'national:0',
      'national:0:044',
      'national:0:4444',
      'plus:1',
      'zap:1',
      '',
    ])
      expect(() => parseRule(bad), bad).to.throw(RangeError);
  });
});

/**
 * Number normalisation: ordered rules that turn what a subscriber dialled (or what a trunk sent
 * as caller ID) into E.164 digits (no '+'), the form rates and ANIs are kept in. Pure.
 *
 * Rules, written as the operator types them:
 *   strip:P        remove the carrier-select prefix P when the number starts with it (goes on)
 *   plus           a leading '+': the rest is international already          (stops)
 *   intl:P         the international prefix P (00, 011): the rest is international (stops)
 *   national:P:CC  the national prefix P (0): replaced by the country code CC     (stops)
 * Rules are tried in order; `strip` rules apply and go on, the first other rule that matches
 * decides and ends the run (so list intl:00 before national:0). A number no rule turns is kept
 * as it is. With at least one rule, the result must be E.164 (1-9 then 2..14 more digits);
 * anything else is refused (BADNUMBER). With no rules at all, the digits pass unchanged.
 */

export type NumberRule =
  | { kind: 'strip'; prefix: string }
  | { kind: 'plus' }
  | { kind: 'intl'; prefix: string }
  | { kind: 'national'; prefix: string; country: string };

/** One rule as it was tried: what it made of the number, or that it did not match. */
export interface RuleStep {
  rule: string;
  matched: boolean;
  before: string;
  after: string;
}

export type Normalised =
  { ok: true; number: string; steps: RuleStep[] } | { ok: false; why: string; steps: RuleStep[] };

const E164 = /^[1-9]\d{2,14}$/;
const DIGITS = /^\d{1,10}$/;

/** Parses one rule (`intl:00`, `national:0:44`, `strip:1010`, `plus`); RangeError when malformed. */
export function parseRule(text: string): NumberRule {
  const parts = text.trim().split(':');
  const [kind, a, b] = parts;
  const digits = (what: string, v: string | undefined): string => {
    if (v === undefined || !DIGITS.test(v))
      throw new RangeError(`rule '${text}': ${what} must be 1 to 10 digits`);
    return v;
  };
  if (kind === 'plus' && parts.length === 1) return { kind: 'plus' };
  if ((kind === 'strip' || kind === 'intl') && parts.length === 2)
    return { kind, prefix: digits('the prefix', a) };
  if (kind === 'national' && parts.length === 3) {
    const country = digits('the country code', b);
    if (country.startsWith('0') || country.length > 3)
      throw new RangeError(`rule '${text}': a country code is 1 to 3 digits, not starting with 0`);
    return { kind, prefix: digits('the national prefix', a), country };
  }
  throw new RangeError(
    `rule '${text}' is not one of strip:PREFIX, plus, intl:PREFIX, national:PREFIX:COUNTRY`,
  );
}

/** The rule as parseRule reads it back. */
export function formatRule(r: NumberRule): string {
  switch (r.kind) {
    case 'plus':
      return 'plus';
    case 'national':
      return `national:${r.prefix}:${r.country}`;
    default:
      return `${r.kind}:${r.prefix}`;
  }
}

/** What `rule` makes of `n`, or undefined when it does not match. */
function apply(rule: NumberRule, n: string): string | undefined {
  switch (rule.kind) {
    case 'plus':
      return n.startsWith('+') ? n.slice(1) : undefined;
    case 'national':
      return n.startsWith(rule.prefix) ? rule.country + n.slice(rule.prefix.length) : undefined;
    default:
      return n.startsWith(rule.prefix) ? n.slice(rule.prefix.length) : undefined;
  }
}

/** Runs the rules over `input` (see the module comment); every rule tried is in `steps`. */
export function normaliseNumber(rules: readonly NumberRule[], input: string): Normalised {
  const steps: RuleStep[] = [];
  let n = input.trim();
  for (const rule of rules) {
    const after = apply(rule, n);
    steps.push({
      rule: formatRule(rule),
      matched: after !== undefined,
      before: n,
      after: after ?? n,
    });
    if (after === undefined) continue;
    n = after;
    if (rule.kind !== 'strip') break;
  }
  if (rules.length === 0 || E164.test(n)) return { ok: true, number: n, steps };
  return {
    ok: false,
    why: `'${input}' gives '${n}', which is not an international number (E.164: 3 to 15 digits, not starting with 0)`,
    steps,
  };
}

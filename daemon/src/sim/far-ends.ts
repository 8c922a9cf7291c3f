/**
 * The dialled party, scripted like a dialplan: a rules table matched by the longest prefix of the
 * dialled number decides whether the far end answers (and when it hangs up), is busy, never answers,
 * is congested or unavailable. Loadable from JSON or YAML; checked against the rule schema with
 * messages that name the rule and the field.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { findProblem, Nullable, StringEnum, Type, type Static } from '../schema/index.js';

export const FAR_END_ACTIONS = [
  'answer',
  'busy',
  'noanswer',
  'congestion',
  'unavailable',
  'notfound',
  'decline',
] as const;
export type FarEndAction = (typeof FAR_END_ACTIONS)[number];

const ms = (description: string) => Type.Number({ minimum: 0, description });

/** One rule of the table; its type is derived from this schema. */
export const farEndRuleSchema = Type.Object(
  {
    prefix: Type.String({
      description: "matched against the start of the dialled number; '' matches everything",
    }),
    action: StringEnum(FAR_END_ACTIONS),
    answerAfterMs: Type.Optional(
      ms('answer: ring this long before answering (0 = answer at once, like Answer() first)'),
    ),
    hangupAfterMs: Type.Optional(
      Nullable(
        ms('answer: the far end hangs up this long after answering; null or absent = never'),
      ),
    ),
    ringMs: Type.Optional(
      ms('busy/congestion/unavailable: ring this long before giving the signal (default 0)'),
    ),
    maxChannels: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'a carrier at its limit: with this many B legs of this rule up, another gets congestion (SIP 503)',
      }),
    ),
  },
  { additionalProperties: false },
);

export type FarEndRule = Static<typeof farEndRuleSchema>;

/** Used when no rules are given: every number answers at once and never hangs up. */
export const DEFAULT_RULES: readonly FarEndRule[] = [{ prefix: '', action: 'answer' }];

export class RulesError extends Error {
  override name = 'RulesError';
}

/** Validates a rules table (an array, or an object with a `rules` array) and returns a clean copy. */
export function parseRules(data: unknown, source = 'rules'): FarEndRule[] {
  const list =
    data !== null && typeof data === 'object' && !Array.isArray(data) && 'rules' in data
      ? (data as { rules: unknown }).rules
      : data;
  if (!Array.isArray(list))
    throw new RulesError(`${source}: expected a list of rules (or { rules: [...] })`);
  const seen = new Set<string>();
  return list.map((raw: unknown, i: number) => {
    const where = `${source}: rule ${i + 1}`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw new RulesError(`${where}: expected an object`);
    // YAML reads an unquoted prefix like 49 as a number; it means the digits.
    const r = { ...(raw as Record<string, unknown>) };
    if (typeof r.prefix === 'number') r.prefix = String(r.prefix);
    const problem = findProblem(farEndRuleSchema, r, { name: (path) => path });
    if (problem) throw new RulesError(`${where}: ${problem}`);
    const rule = r as FarEndRule;
    if (seen.has(rule.prefix))
      throw new RulesError(`${where}: prefix '${rule.prefix}' appears twice`);
    seen.add(rule.prefix);
    if (
      rule.action !== 'answer' &&
      (rule.answerAfterMs !== undefined ||
        (rule.hangupAfterMs !== undefined && rule.hangupAfterMs !== null))
    ) {
      throw new RulesError(`${where}: answerAfterMs/hangupAfterMs only apply to action 'answer'`);
    }
    // A clean copy: only the fields a rule has, absent ones left out.
    const clean: FarEndRule = { prefix: rule.prefix, action: rule.action };
    if (rule.answerAfterMs !== undefined) clean.answerAfterMs = rule.answerAfterMs;
    if (rule.hangupAfterMs !== undefined) clean.hangupAfterMs = rule.hangupAfterMs;
    if (rule.ringMs !== undefined) clean.ringMs = rule.ringMs;
    if (rule.maxChannels !== undefined) clean.maxChannels = rule.maxChannels;
    return clean;
  });
}

/** Reads a rules file; `.yaml`/`.yml` as YAML, anything else as JSON. */
export function loadRulesFile(path: string): FarEndRule[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RulesError(
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  const ext = extname(path).toLowerCase();
  let data: unknown;
  try {
    data = ext === '.yaml' || ext === '.yml' ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new RulesError(
      `${path}: not valid ${ext === '.yaml' || ext === '.yml' ? 'YAML' : 'JSON'}: ${(err as Error).message}`,
    );
  }
  return parseRules(data, path);
}

/** Longest-prefix match; undefined when no rule applies. */
export function matchRule(rules: readonly FarEndRule[], number: string): FarEndRule | undefined {
  let best: FarEndRule | undefined;
  for (const r of rules) {
    if (number.startsWith(r.prefix) && (!best || r.prefix.length > best.prefix.length)) best = r;
  }
  return best;
}

/**
 * The dialled party, scripted like a dialplan: a rules table matched by the longest prefix of the
 * dialled number decides whether the far end answers (and when it hangs up), is busy, never answers,
 * is congested or unavailable. Loadable from JSON or YAML; validated with messages that name the rule.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';

export const FAR_END_ACTIONS = ['answer', 'busy', 'noanswer', 'congestion', 'unavailable'] as const;
export type FarEndAction = (typeof FAR_END_ACTIONS)[number];

export interface FarEndRule {
  /** Matched against the start of the dialled number; '' matches everything. */
  prefix: string;
  action: FarEndAction;
  /** answer: ring this long before answering (0 = answer at once, like Answer() first in the dialplan). */
  answerAfterMs?: number;
  /** answer: the far end hangs up this long after answering; null or absent = never. */
  hangupAfterMs?: number | null;
  /** busy/congestion/unavailable: ring this long before giving the signal (default 0). */
  ringMs?: number;
}

/** Used when no rules are given: every number answers at once and never hangs up. */
export const DEFAULT_RULES: readonly FarEndRule[] = [{ prefix: '', action: 'answer' }];

export class RulesError extends Error {
  override name = 'RulesError';
}

const KEYS = new Set(['prefix', 'action', 'answerAfterMs', 'hangupAfterMs', 'ringMs']);

function duration(
  value: unknown,
  where: string,
  key: string,
  nullable: boolean,
): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null && nullable) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RulesError(
      `${where}: ${key} must be a number of milliseconds >= 0${nullable ? ' or null' : ''}`,
    );
  }
  return value;
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
    const r = raw as Record<string, unknown>;
    for (const k of Object.keys(r)) {
      if (!KEYS.has(k))
        throw new RulesError(`${where}: unknown field '${k}' (allowed: ${[...KEYS].join(', ')})`);
    }
    const prefix = typeof r.prefix === 'number' ? String(r.prefix) : r.prefix;
    if (typeof prefix !== 'string')
      throw new RulesError(`${where}: prefix must be a string of digits ('' matches all)`);
    if (seen.has(prefix)) throw new RulesError(`${where}: prefix '${prefix}' appears twice`);
    seen.add(prefix);
    if (
      typeof r.action !== 'string' ||
      !(FAR_END_ACTIONS as readonly string[]).includes(r.action)
    ) {
      throw new RulesError(`${where}: action must be one of ${FAR_END_ACTIONS.join(', ')}`);
    }
    const rule: FarEndRule = { prefix, action: r.action as FarEndAction };
    const answerAfterMs = duration(r.answerAfterMs, where, 'answerAfterMs', false);
    const hangupAfterMs = duration(r.hangupAfterMs, where, 'hangupAfterMs', true);
    const ringMs = duration(r.ringMs, where, 'ringMs', false);
    if (
      rule.action !== 'answer' &&
      (answerAfterMs !== undefined || (hangupAfterMs !== undefined && hangupAfterMs !== null))
    ) {
      throw new RulesError(`${where}: answerAfterMs/hangupAfterMs only apply to action 'answer'`);
    }
    if (answerAfterMs !== undefined && answerAfterMs !== null) rule.answerAfterMs = answerAfterMs;
    if (hangupAfterMs !== undefined) rule.hangupAfterMs = hangupAfterMs;
    if (ringMs !== undefined && ringMs !== null) rule.ringMs = ringMs;
    return rule;
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

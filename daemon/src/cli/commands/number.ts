/**
 * `astbill number set|clear|list|test`: the number normalisation rules (rating/normalise.ts).
 * A rule set belongs to an account, a tariff or is the default; a dialled number uses the
 * account's set, else its tariff's, else the default; caller IDs use the default set.
 */
import { formatRule, normaliseNumber, parseRule, type NumberRule } from '../../rating/index.js';
import type { RuleScope, RuleSet } from '../../store/number-rules.js';
import { UsageError, runSubcommand } from '../command.js';
import { noArguments, parse } from '../args.js';
import { json, out, outList } from '../format.js';
import { withStore } from '../open-store.js';
import { cliActor } from '../actor.js';

export const summary = 'number normalisation rules (dialled digits and caller IDs into E.164)';

export const usage = `usage:
  astbill number set (--default | --tariff T | --account A) RULE...   (replaces the set, in order)
  astbill number clear (--default | --tariff T | --account A)
  astbill number list [--json]
  astbill number test DIGITS [--account A | --tariff T] [--json]
rules: strip:PREFIX (carrier select), plus (+…), intl:PREFIX (00, 011), national:PREFIX:COUNTRY (0 → 44)`;

const OWNER = {
  default: { type: 'boolean' },
  tariff: { type: 'string' },
  account: { type: 'string' },
} as const;

function owner(
  command: string,
  v: { default?: boolean | undefined; tariff?: string | undefined; account?: string | undefined },
): { scope: RuleScope; owner: string } {
  const given = [v.default ? 'default' : '', v.tariff ?? '', v.account ?? ''].filter(Boolean);
  if (given.length !== 1)
    throw new UsageError(`${command}: give exactly one of --default, --tariff T, --account A`);
  if (v.default) return { scope: 'default', owner: '' };
  return v.tariff !== undefined
    ? { scope: 'tariff', owner: v.tariff }
    : { scope: 'account', owner: v.account! };
}

function rules(command: string, texts: string[]): NumberRule[] {
  return texts.map((t) => {
    try {
      return parseRule(t);
    } catch (err) {
      throw new UsageError(`${command}: ${(err as Error).message}`);
    }
  });
}

const describeSet = (s: Pick<RuleSet, 'scope' | 'owner'>): string =>
  s.scope === 'default' ? 'default' : `${s.scope} ${s.owner}`;

async function set(argv: string[]): Promise<number> {
  const { values, positionals } = parse('number set', argv, OWNER);
  const who = owner('number set', values);
  if (positionals.length === 0)
    throw new UsageError('number set: give at least one RULE (number clear removes a set)');
  const list = rules('number set', positionals);
  return withStore(async (store) => {
    await store.setNumberRules({ ...who, rules: list }, cliActor());
    out(`rules of ${describeSet(who)}: ${list.map(formatRule).join(' ')}\n`);
    return 0;
  });
}

async function clear(argv: string[]): Promise<number> {
  const { values, positionals } = parse('number clear', argv, OWNER);
  noArguments('number clear', positionals);
  const who = owner('number clear', values);
  return withStore(async (store) => {
    await store.setNumberRules({ ...who, rules: [] }, cliActor());
    out(`rules of ${describeSet(who)} removed\n`);
    return 0;
  });
}

async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parse('number list', argv, { json: { type: 'boolean' } });
  noArguments('number list', positionals);
  return withStore(async (store) => {
    outList(await store.listRuleSets(), {
      asJson: values.json,
      toJson: (s) => ({ scope: s.scope, owner: s.owner, rules: s.rules.map(formatRule) }),
      headers: ['SCOPE', 'OWNER', 'RULES'],
      toRow: (s) => [s.scope, s.owner, s.rules.map(formatRule).join(' ')],
    });
    return 0;
  });
}

async function test(argv: string[]): Promise<number> {
  const { values, positionals } = parse('number test', argv, {
    account: { type: 'string' },
    tariff: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new UsageError('number test: give one DIGITS');
  if (values.account !== undefined && values.tariff !== undefined)
    throw new UsageError('number test: give --account or --tariff, not both');
  const digits = positionals[0]!;
  return withStore(async (store) => {
    let who = { name: '', tariff: values.tariff ?? '' };
    if (values.account !== undefined) {
      const a = await store.accountByName(values.account);
      if (!a) throw new UsageError(`number test: no account '${values.account}'`);
      who = a;
    }
    const setUsed = await store.ruleSetFor(who);
    const result = normaliseNumber(setUsed.rules, digits);
    if (values.json) {
      out(
        json({
          input: digits,
          ruleSet: { scope: setUsed.scope, owner: setUsed.owner },
          steps: result.steps,
          ...(result.ok ? { ok: true, number: result.number } : { ok: false, why: result.why }),
        }),
      );
      return result.ok ? 0 : 1;
    }
    const lines = [
      `${digits}: rules of ${setUsed.rules.length ? describeSet(setUsed) : 'nobody (digits used as dialled)'}`,
    ];
    for (const s of result.steps)
      lines.push(
        s.matched ? `  ${s.rule.padEnd(16)} ${s.before} → ${s.after}` : `  ${s.rule.padEnd(16)} -`,
      );
    lines.push(result.ok ? `result: ${result.number}` : `BADNUMBER: ${result.why}`);
    out(lines.join('\n') + '\n');
    return result.ok ? 0 : 1;
  });
}

export async function run(argv: string[]): Promise<number> {
  return runSubcommand('number', usage, { set, clear, list, test }, argv);
}

/**
 * The astnumrule table: the ordered normalisation rule sets (rating/normalise.ts). A call's
 * dialled digits use the account's set, else its tariff's, else the default set; caller IDs use
 * the default set (identification by ANI comes before any account is known).
 */
import type { Knex } from 'knex';
import { formatRule, parseRule, type NumberRule } from '../rating/index.js';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { recordAudit, type Actor } from './operators/audit.js';

export type RuleScope = 'default' | 'tariff' | 'account';

export interface RuleSet {
  scope: RuleScope;
  /** The account or tariff name; '' for the default set. */
  owner: string;
  rules: NumberRule[];
}

export interface RuleRow {
  scope: string;
  owner: string;
  position: number | string;
  rule: string;
}

const toRules = (rows: readonly RuleRow[]): NumberRule[] =>
  [...rows].sort((a, b) => Number(a.position) - Number(b.position)).map((r) => parseRule(r.rule));

/**
 * The rules that apply to a number dialled by `account` (one query for the three sets), and
 * which set they came from; no set at all: rules [] (the digits are used as dialled).
 */
export async function rulesForAccount(
  q: Knex,
  account: { name: string; tariff: string },
): Promise<RuleSet> {
  return pickRuleSet((await rulesQuery(q, account.name, account.tariff)) as RuleRow[]);
}

/** The rows of the three sets that may apply to `name` (tariff: a value or a subquery). */
export function rulesQuery(
  q: Knex,
  name: string,
  tariff: string | Knex.QueryBuilder,
): Knex.QueryBuilder {
  return q('astnumrule')
    .where((w) => {
      w.where({ scope: 'account', owner: name })
        .orWhere((t) => t.where('scope', 'tariff').where('owner', tariff))
        .orWhere({ scope: 'default', owner: '' });
    })
    .select('scope', 'owner', 'position', 'rule');
}

/** The most specific set among the rows of rulesQuery. */
export function pickRuleSet(rows: readonly RuleRow[]): RuleSet {
  for (const scope of ['account', 'tariff', 'default'] as const) {
    const mine = rows.filter((r) => r.scope === scope);
    if (mine.length > 0) return { scope, owner: mine[0]!.owner, rules: toRules(mine) };
  }
  return { scope: 'default', owner: '', rules: [] };
}

/** The default set (what caller IDs are normalised with). */
export async function defaultRules(q: Knex): Promise<NumberRule[]> {
  return toRules(
    (await q('astnumrule').where({ scope: 'default', owner: '' }).select()) as RuleRow[],
  );
}

export async function listRuleSets(q: Knex): Promise<RuleSet[]> {
  const rows = (await q('astnumrule')
    .select('scope', 'owner', 'position', 'rule')
    .orderBy([{ column: 'scope' }, { column: 'owner' }, { column: 'position' }])) as RuleRow[];
  const sets = new Map<string, RuleSet>();
  for (const r of rows) {
    const key = `${r.scope}\u0000${r.owner}`;
    if (!sets.has(key)) sets.set(key, { scope: r.scope as RuleScope, owner: r.owner, rules: [] });
    sets.get(key)!.rules.push(parseRule(r.rule));
  }
  return [...sets.values()];
}

/** Replaces one rule set with `rules` (none: deletes it), in ONE transaction. */
export async function setRules(db: Db, set: RuleSet, actor?: Actor): Promise<void> {
  if ((set.scope === 'default') !== (set.owner === ''))
    throw new StoreError('INVALID', 'the default rule set has no owner; the others need one');
  if (set.owner.length > 80) throw new StoreError('INVALID', 'owner must be at most 80 characters');
  if (set.rules.length > 50) throw new StoreError('INVALID', 'at most 50 rules in one set');
  await db.tx(async (trx) => {
    if (actor) {
      const before = (await trx('astnumrule')
        .where({ scope: set.scope, owner: set.owner })
        .select('scope', 'owner', 'position', 'rule')) as RuleRow[];
      await recordAudit(trx, {
        actor,
        action: 'number.rules',
        target: set.scope === 'default' ? 'numbers:default' : `numbers:${set.scope}:${set.owner}`,
        before: { rules: toRules(before).map(formatRule) },
        after: { rules: set.rules.map(formatRule) },
      });
    }
    await trx('astnumrule').where({ scope: set.scope, owner: set.owner }).delete();
    if (set.rules.length > 0)
      await trx('astnumrule').insert(
        set.rules.map((r, i) => ({
          scope: set.scope,
          owner: set.owner,
          position: i + 1,
          rule: formatRule(r),
        })),
      );
  });
}

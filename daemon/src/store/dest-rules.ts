/**
 * The astdestrule table: allow / deny prefix rules per tariff and per account (BLOCKEDDEST).
 * tx/authorise reads the rules that match the dialled number inside its transaction, so a rule
 * added takes effect on the next call on every daemon.
 */
import type { Knex } from 'knex';
import {
  candidatePrefixes,
  destinationAllowed,
  type DestAction,
  type DestRule,
  type DestScope,
} from '../rating/index.js';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { recordAudit, type Actor } from './operators/audit.js';
import { tariffExists } from './rates.js';

export interface StoredDestRule extends DestRule {
  owner: string;
}

interface RuleRow {
  scope: DestScope;
  owner: string;
  prefix: string;
  action: DestAction;
}

/** Rules of the account (by id) and of its tariff, as a query on astdestrule. */
function ownersOf(trx: Knex, accountId: number): Knex.QueryBuilder {
  return trx('astdestrule').where((w) =>
    w
      .where((a) =>
        a
          .where('scope', 'account')
          .whereIn('owner', trx('astaccount').select('name').where({ id: accountId })),
      )
      .orWhere((t) =>
        t
          .where('scope', 'tariff')
          .whereIn('owner', trx('astaccount').select('tariff').where({ id: accountId })),
      ),
  );
}

/**
 * The reads of the destination check, to send with the account lock in one round trip:
 * the rules whose prefix matches `dst`, and one allow rule if there is any.
 */
export function destRuleQueries(
  trx: Knex,
  accountId: number,
  dst: string,
): [Knex.QueryBuilder, Knex.QueryBuilder] {
  const digits = dst.slice(0, 40);
  return [
    ownersOf(trx, accountId)
      .select('scope', 'prefix', 'action')
      .whereIn('prefix', candidatePrefixes(digits)),
    ownersOf(trx, accountId).select('id').where({ action: 'allow' }).limit(1),
  ];
}

/** The verdict on the rows of destRuleQueries. */
export function destinationPermitted(
  dst: string,
  matching: readonly DestRule[],
  anyAllow: readonly unknown[],
): boolean {
  return destinationAllowed(dst.slice(0, 40), matching, anyAllow.length > 0);
}

const PREFIX = /^\d{1,40}$/;

async function checkOwner(q: Knex, scope: DestScope, owner: string): Promise<void> {
  const known =
    scope === 'tariff'
      ? await tariffExists(q, owner)
      : (await q('astaccount').where({ name: owner }).first('id')) !== undefined;
  if (!known) throw new StoreError('NOT_FOUND', `no ${scope} '${owner}'`);
}

/** Sets `action` for each prefix of the owner (replacing an earlier rule of that prefix); one transaction. */
export async function setDestRules(
  db: Db,
  scope: DestScope,
  owner: string,
  prefixes: readonly string[],
  action: DestAction | null,
  actor?: Actor,
): Promise<number> {
  const bad = prefixes.find((p) => !PREFIX.test(p));
  if (bad !== undefined) throw new StoreError('INVALID', `a prefix is 1-40 digits, got '${bad}'`);
  await checkOwner(db.knex, scope, owner);
  return db.tx(async (trx) => {
    const unique = [...new Set(prefixes)];
    let n = 0;
    for (let i = 0; i < unique.length; i += 500) {
      const chunk = unique.slice(i, i + 500);
      n += await trx('astdestrule').where({ scope, owner }).whereIn('prefix', chunk).delete();
      if (action)
        await trx('astdestrule').insert(chunk.map((prefix) => ({ scope, owner, prefix, action })));
    }
    const changed = action ? unique.length : n;
    if (actor)
      await recordAudit(trx, {
        actor,
        action: `dest.${action ?? 'remove'}`,
        target: `${scope}:${owner}`,
        before: null,
        // A deck of thousands of prefixes is summarised: the count and the first ones.
        after: { prefixes: unique.slice(0, 50), count: unique.length, changed },
      });
    return changed;
  });
}

export async function listDestRules(
  q: Knex,
  filter: { scope?: DestScope; owner?: string } = {},
): Promise<StoredDestRule[]> {
  let query = q('astdestrule').select('scope', 'owner', 'prefix', 'action');
  if (filter.scope) query = query.where({ scope: filter.scope });
  if (filter.owner) query = query.where({ owner: filter.owner });
  return (await query.orderBy(['scope', 'owner', 'prefix'])) as RuleRow[];
}

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
import { StoreError } from './errors.js';
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

function owners(q: Knex.QueryBuilder, account: { name: string; tariff: string }) {
  return q.where((w) =>
    w
      .where({ scope: 'account', owner: account.name })
      .orWhere({ scope: 'tariff', owner: account.tariff }),
  );
}

/** Whether the account may call `dst` under its own and its tariff's rules. */
export async function destinationPermitted(
  q: Knex,
  account: { name: string; tariff: string },
  dst: string,
): Promise<boolean> {
  const digits = dst.slice(0, 40);
  const rows = (await owners(q('astdestrule'), account).whereIn(
    'prefix',
    candidatePrefixes(digits),
  )) as RuleRow[];
  if (rows.length > 0) return destinationAllowed(digits, rows, true);
  const allow = await owners(q('astdestrule'), account).where({ action: 'allow' }).first('id');
  return destinationAllowed(digits, [], allow !== undefined);
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
  q: Knex,
  scope: DestScope,
  owner: string,
  prefixes: readonly string[],
  action: DestAction | null,
): Promise<number> {
  const bad = prefixes.find((p) => !PREFIX.test(p));
  if (bad !== undefined) throw new StoreError('INVALID', `a prefix is 1-40 digits, got '${bad}'`);
  await checkOwner(q, scope, owner);
  return q.transaction(async (trx) => {
    const unique = [...new Set(prefixes)];
    let n = 0;
    for (let i = 0; i < unique.length; i += 500) {
      const chunk = unique.slice(i, i + 500);
      n += await trx('astdestrule').where({ scope, owner }).whereIn('prefix', chunk).delete();
      if (action)
        await trx('astdestrule').insert(chunk.map((prefix) => ({ scope, owner, prefix, action })));
    }
    return action ? unique.length : n;
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

/**
 * An account's limits (credit limit, simultaneous calls, longest call) and the caller IDs that
 * identify it (astani), changed by an operator. Each change is ONE transaction that locks and
 * writes the account row (so it serialises with the money transactions on every daemon, Galera
 * included) and writes its astaudit row with the values before and after.
 *
 * A lower credit limit does not touch calls in progress: their reservations were taken under the
 * old limit and stay; new calls see the new available money (which may be below zero).
 */
import type { Knex } from 'knex';
import { formatMoney, type Money } from '../rating/index.js';
import type { Account } from '../session/ports.js';
import {
  aniOwner,
  anisOf,
  aniProblem,
  lockAccountQuery,
  toAccount,
  type AccountRow,
} from './accounts.js';
import type { Db } from './db.js';
import { StoreError, amountProblem, isUniqueViolation } from './errors.js';
import { recordAudit, type Actor } from './operators/audit.js';
import { toDbTime } from './time.js';

export interface LimitsPatch {
  creditLimit?: Money | undefined;
  /** null: unlimited. */
  maxCalls?: number | null | undefined;
  /** null: the daemon's default. */
  maxSeconds?: number | null | undefined;
}

export interface CallerIdChange {
  add?: readonly string[] | undefined;
  remove?: readonly string[] | undefined;
}

function limitsProblem(p: LimitsPatch): string | undefined {
  if (p.creditLimit === undefined && p.maxCalls === undefined && p.maxSeconds === undefined)
    return 'give a limit to change (creditLimit, maxCalls or maxCallSeconds)';
  if (p.creditLimit !== undefined) {
    if (p.creditLimit < 0n) return 'credit limit must not be negative';
    const problem = amountProblem('credit limit', p.creditLimit);
    if (problem) return problem;
  }
  if (
    p.maxCalls != null &&
    (!Number.isInteger(p.maxCalls) || p.maxCalls < 0 || p.maxCalls > 100_000)
  )
    return 'max calls must be a whole number 0..100000 (or none)';
  if (
    p.maxSeconds != null &&
    (!Number.isInteger(p.maxSeconds) || p.maxSeconds < 1 || p.maxSeconds > 86_400)
  )
    return 'max call seconds must be 1..86400 (or none)';
  return undefined;
}

const limitsOf = (a: Account) => ({
  creditLimit: formatMoney(a.creditLimit),
  maxCalls: a.maxCalls,
  maxCallSeconds: a.maxCallSeconds,
});

async function locked(trx: Knex.Transaction, name: string): Promise<Account> {
  const ref = (await trx('astaccount').where({ name }).first('id')) as
    { id: number | string } | undefined;
  if (!ref) throw new StoreError('NOT_FOUND', `no account '${name}'`);
  const [row] = (await lockAccountQuery(trx, Number(ref.id))) as AccountRow[];
  return toAccount(row!);
}

/** Changes the given limits (the others stay); audited as 'limit'. Returns the account after. */
export async function setLimits(
  db: Db,
  name: string,
  patch: LimitsPatch,
  actor: Actor,
  now: Date = new Date(),
): Promise<Account> {
  const problem = limitsProblem(patch);
  if (problem) throw new StoreError('INVALID', problem);
  return db.tx(async (trx) => {
    const before = await locked(trx, name);
    const cols: Record<string, unknown> = { updated: toDbTime(now) };
    if (patch.creditLimit !== undefined) cols.credit_limit = patch.creditLimit;
    if (patch.maxCalls !== undefined) cols.max_calls = patch.maxCalls;
    if (patch.maxSeconds !== undefined) cols.max_seconds = patch.maxSeconds;
    await trx('astaccount').where({ id: before.id }).update(cols);
    const after: Account = {
      ...before,
      creditLimit: patch.creditLimit ?? before.creditLimit,
      maxCalls: patch.maxCalls === undefined ? before.maxCalls : patch.maxCalls,
      maxCallSeconds: patch.maxSeconds === undefined ? before.maxCallSeconds : patch.maxSeconds,
    };
    await recordAudit(trx, {
      actor,
      action: 'limit',
      target: `account:${name}`,
      before: limitsOf(before),
      after: limitsOf(after),
      at: now,
    });
    return after;
  });
}

/**
 * Adds and removes caller IDs of one account, all or none; audited as 'callerid' with the list
 * before and after. A number another account owns is refused (it would identify two accounts);
 * removing a number the account does not have is refused too (a typo must not look like success).
 */
export async function changeCallerIds(
  db: Db,
  name: string,
  change: CallerIdChange,
  actor: Actor,
  now: Date = new Date(),
): Promise<string[]> {
  const add = [...new Set(change.add ?? [])];
  const remove = [...new Set(change.remove ?? [])];
  const problem = [...add, ...remove].map(aniProblem).find((p) => p !== undefined);
  if (problem) throw new StoreError('INVALID', problem);
  if (add.length + remove.length === 0)
    throw new StoreError('INVALID', 'give a caller ID to add or to remove');
  const both = add.find((n) => remove.includes(n));
  if (both) throw new StoreError('INVALID', `caller ID ${both} is both added and removed`);
  try {
    return await db.tx(async (trx) => {
      const account = await locked(trx, name);
      const before = await anisOf(trx, account.id);
      for (const number of remove)
        if (!before.includes(number))
          throw new StoreError('NOT_FOUND', `account '${name}' has no caller ID ${number}`);
      for (const number of add) {
        if (before.includes(number)) continue;
        const owner = await aniOwner(trx, number);
        if (owner)
          throw new StoreError(
            'DUPLICATE',
            `caller ID ${number} already belongs to account '${owner}'`,
          );
      }
      if (remove.length > 0)
        await trx('astani').where({ account_id: account.id }).whereIn('number', remove).delete();
      const fresh = add.filter((n) => !before.includes(n));
      for (const number of fresh) await trx('astani').insert({ number, account_id: account.id });
      await trx('astaccount')
        .where({ id: account.id })
        .update({ updated: toDbTime(now) });
      const after = await anisOf(trx, account.id);
      await recordAudit(trx, {
        actor,
        action: 'callerid',
        target: `account:${name}`,
        before: { callerIds: before },
        after: { callerIds: after },
        at: now,
      });
      return after;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new StoreError('DUPLICATE', 'that caller ID already belongs to another account', {
        cause: err,
      });
    throw err;
  }
}

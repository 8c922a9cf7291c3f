/**
 * The astledger table: every change of a balance (top-up, call charge, adjustment) with the
 * balance after it. The balance of an account always equals the sum of its ledger amounts.
 * Rows are only ever inserted, by the money transactions (tx/*), inside their transaction.
 */
import type { Knex } from 'knex';
import { moneyFromDb, type Money } from '../rating/index.js';
import { deferred } from './mysql-client.js';
import { requiredTime, toDbTime } from './time.js';

export type LedgerKind = 'topup' | 'charge' | 'adjustment';

export interface LedgerEntry {
  id: number;
  accountId: number;
  kind: LedgerKind;
  /** Signed: positive for top-ups, negative for charges. */
  amount: Money;
  balanceAfter: Money;
  /** The call's uniqueid for a charge; an optional payment reference for a top-up. Unique per kind. */
  reference: string | null;
  note: string | null;
  created: Date;
}

interface LedgerRow {
  id: number | string;
  account_id: number | string;
  kind: LedgerKind;
  amount: unknown;
  balance_after: unknown;
  reference: string | null;
  note: string | null;
  created: unknown;
}

function toEntry(r: LedgerRow): LedgerEntry {
  return {
    id: Number(r.id),
    accountId: Number(r.account_id),
    kind: r.kind,
    amount: moneyFromDb(r.amount),
    balanceAfter: moneyFromDb(r.balance_after),
    reference: r.reference,
    note: r.note,
    created: requiredTime(r.created),
  };
}

function ledgerInsert(trx: Knex.Transaction, e: Omit<LedgerEntry, 'id'>): Knex.QueryBuilder {
  return trx('astledger').insert({
    account_id: e.accountId,
    kind: e.kind,
    amount: e.amount,
    balance_after: e.balanceAfter,
    reference: e.reference,
    note: e.note,
    created: toDbTime(e.created),
  });
}

/** Books an entry and returns its id. */
export async function insertLedger(
  trx: Knex.Transaction,
  e: Omit<LedgerEntry, 'id'>,
): Promise<number> {
  const [id] = (await ledgerInsert(trx, e)) as [number];
  return Number(id);
}

/** Books an entry whose id nobody needs (a call's charge): sent with the transaction's next statement. */
export async function appendLedger(
  trx: Knex.Transaction,
  e: Omit<LedgerEntry, 'id'>,
): Promise<void> {
  await deferred(ledgerInsert(trx, e));
}

/** Σ amount of one account's ledger (exact: SQLite SUM of integers, MySQL DECIMAL as text). */
export async function ledgerSum(q: Knex, accountId: number): Promise<Money> {
  const row = (await q('astledger')
    .where({ account_id: accountId })
    .sum({ total: 'amount' })
    .first()) as { total: unknown } | undefined;
  return moneyFromDb(row?.total ?? null);
}

export async function ledgerOf(q: Knex, accountId: number): Promise<LedgerEntry[]> {
  return ((await q('astledger').where({ account_id: accountId }).orderBy('id')) as LedgerRow[]).map(
    toEntry,
  );
}

export async function ledgerByReference(
  q: Knex,
  kind: LedgerKind,
  reference: string,
): Promise<LedgerEntry | undefined> {
  const row = (await q('astledger').where({ kind, reference }).first()) as LedgerRow | undefined;
  return row ? toEntry(row) : undefined;
}

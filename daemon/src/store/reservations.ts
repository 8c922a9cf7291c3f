/**
 * The astcreditres table: one row per live reserved call. Written only inside the money
 * transactions (tx/authorise, tx/settle), which keep astaccount.reserved equal to the sum of an
 * account's max_cost here. "How many calls are up" is `SELECT COUNT(*) FROM astcreditres`.
 */
import type { Knex } from 'knex';
import { moneyFromDb, type Money } from '../rating/index.js';
import type { Reservation } from '../session/ports.js';
import { deferred } from './mysql-client.js';
import { fromDbTime, requiredTime, toDbTime } from './time.js';

interface ReservationRow {
  uniqueid: string;
  account_id: number | string;
  account?: string;
  max_cost: unknown;
  max_seconds: number | string;
  node: string;
  created: unknown;
  answer: unknown;
}

function toReservation(r: ReservationRow): Reservation {
  return {
    uniqueid: r.uniqueid,
    accountId: Number(r.account_id),
    account: r.account ?? '',
    maxCost: moneyFromDb(r.max_cost),
    maxSeconds: Number(r.max_seconds),
    node: r.node,
    created: requiredTime(r.created),
    answer: fromDbTime(r.answer),
  };
}

export interface NewReservation {
  uniqueid: string;
  accountId: number;
  maxCost: Money;
  maxSeconds: number;
  node: string;
  created: Date;
}

/** The astcreditres row of a new reservation (one column list for knex and hand-written batches). */
export function reservationRow(r: NewReservation): Record<string, unknown> {
  return {
    uniqueid: r.uniqueid,
    account_id: r.accountId,
    max_cost: r.maxCost,
    max_seconds: r.maxSeconds,
    node: r.node,
    created: toDbTime(r.created),
    answer: null,
  };
}

export async function insertReservation(trx: Knex.Transaction, r: NewReservation): Promise<void> {
  await deferred(trx('astcreditres').insert(reservationRow(r)));
}

export async function reservationByUniqueid(
  q: Knex,
  uniqueid: string,
): Promise<Reservation | undefined> {
  const row = (await q('astcreditres')
    .select('astcreditres.*', 'astaccount.name as account')
    .join('astaccount', 'astaccount.id', 'astcreditres.account_id')
    .where('astcreditres.uniqueid', uniqueid)
    .first()) as ReservationRow | undefined;
  return row ? toReservation(row) : undefined;
}

export async function deleteReservation(trx: Knex.Transaction, uniqueid: string): Promise<void> {
  await deferred(trx('astcreditres').where({ uniqueid }).delete());
}

export async function countReservations(q: Knex, accountId: number): Promise<number> {
  const [{ n }] = (await q('astcreditres').where({ account_id: accountId }).count({ n: '*' })) as [
    { n: unknown },
  ];
  return Number(n);
}

export async function markReservationAnswered(
  q: Knex,
  uniqueid: string,
  answer: Date,
): Promise<void> {
  await q('astcreditres')
    .where({ uniqueid })
    .whereNull('answer')
    .update({ answer: toDbTime(answer) });
}

/** Live reservations, oldest first; only `node`'s when given. */
export async function listReservations(q: Knex, node?: string): Promise<Reservation[]> {
  const query = q('astcreditres')
    .select('astcreditres.*', 'astaccount.name as account')
    .join('astaccount', 'astaccount.id', 'astcreditres.account_id')
    .orderBy([{ column: 'astcreditres.created' }, { column: 'astcreditres.uniqueid' }]);
  if (node !== undefined) query.where('astcreditres.node', node);
  return ((await query) as ReservationRow[]).map(toReservation);
}

/** Number and total max_cost of the live reservations (of `node`, or of all nodes). */
export async function reservedTotals(
  q: Knex,
  node?: string,
): Promise<{ calls: number; reserved: Money }> {
  const query = q('astcreditres').count({ n: '*' }).sum({ total: 'max_cost' });
  if (node !== undefined) query.where({ node });
  const row = (await query.first()) as { n: unknown; total: unknown } | undefined;
  return { calls: Number(row?.n ?? 0), reserved: moneyFromDb(row?.total ?? null) };
}

/** Live reservations of `node` whose account is blocked (session/block-sweep.ts ends those calls). */
export async function blockedReservations(q: Knex, node: string): Promise<string[]> {
  const rows = (await q('astcreditres as r')
    .join('astaccount as a', 'a.id', 'r.account_id')
    .where({ 'r.node': node, 'a.status': 'blocked' })
    .select('r.uniqueid')) as { uniqueid: string }[];
  return rows.map((r) => r.uniqueid);
}

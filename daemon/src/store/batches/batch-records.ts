/**
 * The astbatch table: one record per batch of prepaid cards or vouchers (who made it, when, the
 * value of each item, how many, until when), listing and disabling. Disabling a card batch blocks
 * its cards (refused BLOCKED); disabling a voucher batch makes its unused codes unredeemable.
 */
import type { Knex } from 'knex';
import { moneyFromDb, type Money } from '../../rating/index.js';
import type { Db } from '../db.js';
import { StoreError } from '../errors.js';
import { recordAudit, type Actor } from '../operators/audit.js';
import { fromDbTime, requiredTime, toDbTime } from '../time.js';

export type BatchKind = 'card' | 'voucher';

export interface Batch {
  id: number;
  kind: BatchKind;
  created: Date;
  value: Money;
  currency: string;
  count: number;
  tariff: string | null;
  expires: Date | null;
  validDays: number | null;
  prefix: string;
  operator: string;
  state: 'active' | 'disabled';
}

/** What a batch's items are now: cards new / active / expired / depleted, vouchers unused / used. */
export interface BatchDetails extends Batch {
  states: Record<string, number>;
}

interface BatchRow {
  id: number | string;
  kind: BatchKind;
  created: unknown;
  value: unknown;
  currency: string;
  count: number | string;
  tariff: string | null;
  expires: unknown;
  valid_days: number | string | null;
  prefix: string;
  operator: string;
  state: 'active' | 'disabled';
}

function toBatch(r: BatchRow): Batch {
  return {
    id: Number(r.id),
    kind: r.kind,
    created: requiredTime(r.created),
    value: moneyFromDb(r.value),
    currency: r.currency,
    count: Number(r.count),
    tariff: r.tariff,
    expires: fromDbTime(r.expires),
    validDays: r.valid_days === null ? null : Number(r.valid_days),
    prefix: r.prefix,
    operator: r.operator,
    state: r.state,
  };
}

export type NewBatch = Omit<Batch, 'id' | 'state'>;

export async function insertBatch(trx: Knex.Transaction, b: NewBatch): Promise<number> {
  const [id] = (await trx('astbatch').insert({
    kind: b.kind,
    created: toDbTime(b.created),
    value: b.value,
    currency: b.currency,
    count: b.count,
    tariff: b.tariff,
    expires: b.expires ? toDbTime(b.expires) : null,
    valid_days: b.validDays,
    prefix: b.prefix,
    operator: b.operator.slice(0, 120),
    state: 'active',
  })) as [number];
  return Number(id);
}

export async function listBatches(q: Knex, kind: BatchKind): Promise<Batch[]> {
  return ((await q('astbatch').where({ kind }).orderBy('id')) as BatchRow[]).map(toBatch);
}

export async function batchById(q: Knex, kind: BatchKind, id: number): Promise<Batch | undefined> {
  const row = (await q('astbatch').where({ kind, id }).first()) as BatchRow | undefined;
  return row ? toBatch(row) : undefined;
}

/** How many items of the batch are in each state, at `now`. */
async function itemStates(q: Knex, b: Batch, now: Date): Promise<Record<string, number>> {
  const states: Record<string, number> = {};
  const add = (s: string) => void (states[s] = (states[s] ?? 0) + 1);
  if (b.kind === 'voucher') {
    const rows = (await q('astvoucher').where({ batch_id: b.id }).select('used_at')) as Array<{
      used_at: unknown;
    }>;
    for (const r of rows) add(r.used_at === null ? 'unused' : 'used');
    return states;
  }
  const rows = (await q('astcard')
    .join('astaccount', 'astaccount.id', 'astcard.account_id')
    .where('astcard.batch_id', b.id)
    .select('astcard.first_used', 'astcard.expires', 'astaccount.balance')) as Array<{
    first_used: unknown;
    expires: unknown;
    balance: unknown;
  }>;
  for (const r of rows) {
    const expires = fromDbTime(r.expires);
    if (expires && expires.getTime() <= now.getTime()) add('expired');
    else if (moneyFromDb(r.balance) <= 0n) add('depleted');
    else add(r.first_used === null ? 'new' : 'active');
  }
  return states;
}

export async function batchDetails(
  q: Knex,
  kind: BatchKind,
  id: number,
  now: Date = new Date(),
): Promise<BatchDetails | undefined> {
  const b = await batchById(q, kind, id);
  return b && { ...b, states: await itemStates(q, b, now) };
}

/**
 * Disables a batch in ONE transaction: a card batch's accounts are blocked (new calls refused
 * BLOCKED, calls in progress go on), a voucher batch's unused codes are refused. Audited.
 */
export async function disableBatch(
  db: Db,
  kind: BatchKind,
  id: number,
  actor: Actor,
  now: Date = new Date(),
): Promise<Batch> {
  return db.tx(async (trx) => {
    const b = await batchById(trx, kind, id);
    if (!b) throw new StoreError('NOT_FOUND', `no ${kind} batch ${id}`);
    await trx('astbatch').where({ id }).update({ state: 'disabled' });
    let blocked = 0;
    if (kind === 'card') {
      blocked = await trx('astaccount')
        .whereIn('id', trx('astcard').select('account_id').where({ batch_id: id }))
        .update({ status: 'blocked', updated: toDbTime(now) });
    }
    await recordAudit(trx, {
      actor,
      action: `${kind}s.disable`,
      target: `batch:${id}`,
      before: { state: b.state },
      after: { state: 'disabled', ...(kind === 'card' ? { blocked } : {}) },
      at: now,
    });
    return { ...b, state: 'disabled' as const };
  });
}

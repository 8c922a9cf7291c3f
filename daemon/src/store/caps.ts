/**
 * The astcap table (spend caps per account) and the spend the caps are measured against, read
 * INSIDE a money transaction after the account lock (tx/authorise, tx/extend): every call of the
 * account settles or reserves under that lock, so the sums are exact across daemons. The reads
 * are locking reads on MySQL (LOCK IN SHARE MODE): a plain read could return the transaction's
 * snapshot from before the lock.
 */
import type { Knex } from 'knex';
import {
  capPeriods,
  capRoom,
  capsSnapshotOf,
  formatMoney,
  moneyFromDb,
  type CapRoom,
  type CapsSnapshot,
  type Money,
  type SpendCaps,
} from '../rating/index.js';
import type { Account } from '../session/ports.js';
import { capsFields } from '../caps-fields.js';
import { dialectOf, type Db } from './db.js';
import { StoreError } from './errors.js';
import { recordAudit, type Actor } from './operators/audit.js';
import { emitEvent } from './outbox.js';
import { toDbTime } from './time.js';

interface CapRow {
  account_id: number | string;
  day_max: unknown;
  month_max: unknown;
  call_max: unknown;
  calls_per_min: number | string | null;
  low_balance: unknown;
  large_topup: unknown;
  burst_minutes?: number | string | null;
  burst_spend?: unknown;
  blockeddest_per_min?: number | string | null;
  concurrent_max?: number | string | null;
}

/** An account without caps (also what writeCaps is given to clear them). */
export const NO_CAPS: SpendCaps = {
  dayMax: null,
  monthMax: null,
  callMax: null,
  callsPerMin: null,
  lowBalance: null,
  largeTopup: null,
  burstMinutes: null,
  burstSpend: null,
  blockedDestPerMin: null,
  concurrentMax: null,
};

function orNull(v: unknown): Money | null {
  return v === null || v === undefined ? null : moneyFromDb(v);
}

function intOrNull(v: number | string | null | undefined): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/** The caps of one astcap row (as capsQuery reads it); no row: no caps. */
export function toCaps(read: unknown): SpendCaps {
  const row = read as CapRow | undefined;
  if (!row) return NO_CAPS;
  return {
    dayMax: orNull(row.day_max),
    monthMax: orNull(row.month_max),
    callMax: orNull(row.call_max),
    callsPerMin: row.calls_per_min === null ? null : Number(row.calls_per_min),
    lowBalance: orNull(row.low_balance),
    largeTopup: orNull(row.large_topup),
    burstMinutes: intOrNull(row.burst_minutes),
    burstSpend: orNull(row.burst_spend),
    blockedDestPerMin: intOrNull(row.blockeddest_per_min),
    concurrentMax: intOrNull(row.concurrent_max),
  };
}

function locking(trx: Knex, q: Knex.QueryBuilder): Knex.QueryBuilder {
  return dialectOf(trx) === 'mysql' ? q.forShare() : q;
}

export async function capsOf(q: Knex, accountId: number): Promise<SpendCaps> {
  return toCaps((await q('astcap').where({ account_id: accountId }).first()) as CapRow | undefined);
}

/** Replaces the account's caps and thresholds (one row per account, all null: no limits). */
export async function writeCaps(q: Knex, accountId: number, caps: SpendCaps): Promise<void> {
  const cols = {
    day_max: caps.dayMax,
    month_max: caps.monthMax,
    call_max: caps.callMax,
    calls_per_min: caps.callsPerMin,
    low_balance: caps.lowBalance,
    large_topup: caps.largeTopup,
    burst_minutes: caps.burstMinutes,
    burst_spend: caps.burstSpend,
    blockeddest_per_min: caps.blockedDestPerMin,
    concurrent_max: caps.concurrentMax,
  };
  await q('astcap')
    .insert({ account_id: accountId, ...cols })
    .onConflict('account_id')
    .merge(cols);
}

async function settledSince(trx: Knex, accountId: number, since: Date): Promise<Money> {
  const row = (await locking(
    trx,
    trx('astcdr')
      .sum({ total: 'cost' })
      .where({ account_id: accountId, status: 'settled' })
      .where('start', '>=', toDbTime(since)),
  ).first()) as { total: unknown } | undefined;
  return row?.total === null || row?.total === undefined ? 0n : moneyFromDb(row.total);
}

async function callsSince(trx: Knex, accountId: number, since: Date): Promise<number> {
  const row = (await locking(
    trx,
    trx('astcdr')
      .count({ n: '*' })
      .where({ account_id: accountId })
      .whereNull('reason')
      .where('start', '>', toDbTime(since)),
  ).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

export interface CapCheck {
  /** calls_per_min reached: refuse CAP_RATE. */
  rateHit: boolean;
  /** The money room the caps leave (null: no money cap). */
  room: CapRoom | null;
  /** The same caps as the outage policy keeps them (rating/caps.ts CapsSnapshot). */
  snapshot: CapsSnapshot;
}

/**
 * The caps' verdict for a call of `account` (locked by the caller) at `at` that already holds
 * `held`; null when the account has no caps (nothing else is read). `countRate`: a new call
 * (an extension is not a new call).
 */
/** The read of the account's caps row, to send with the account lock (rows: CapRow). */
export function capsQuery(trx: Knex, accountId: number): Knex.QueryBuilder {
  return locking(trx, trx('astcap').where({ account_id: accountId }).limit(1));
}

export async function checkCaps(
  trx: Knex.Transaction,
  account: Pick<Account, 'id' | 'reserved'>,
  at: Date,
  held: Money,
  countRate: boolean,
  rows?: readonly unknown[],
): Promise<CapCheck | null> {
  const row = rows ? rows[0] : ((await capsQuery(trx, account.id)) as unknown[])[0];
  const caps = toCaps(row as CapRow | undefined);
  if (
    caps.dayMax === null &&
    caps.monthMax === null &&
    caps.callMax === null &&
    caps.callsPerMin === null
  )
    return null;
  const rateHit =
    countRate &&
    caps.callsPerMin !== null &&
    (await callsSince(trx, account.id, new Date(at.getTime() - 60_000))) >= caps.callsPerMin;
  const periods = capPeriods(at);
  const spend = {
    day:
      caps.dayMax === null
        ? 0n
        : (await settledSince(trx, account.id, periods.day)) + account.reserved,
    month:
      caps.monthMax === null
        ? 0n
        : (await settledSince(trx, account.id, periods.month)) + account.reserved,
  };
  return { rateHit, room: capRoom(caps, spend, held), snapshot: capsSnapshotOf(caps, spend) };
}

/** The caps of the named account; undefined when there is no such account. */
export async function capsByName(q: Knex, name: string): Promise<SpendCaps | undefined> {
  const a = (await q('astaccount').select('id').where({ name }).first()) as
    { id: number | string } | undefined;
  return a ? capsOf(q, Number(a.id)) : undefined;
}

/** Changes the given caps of the named account (null clears one); returns all of them. */
export async function updateCaps(
  db: Db,
  name: string,
  patch: Partial<SpendCaps>,
  actor?: Actor,
): Promise<SpendCaps> {
  const a = (await db.knex('astaccount').select('id').where({ name }).first()) as
    { id: number | string } | undefined;
  if (!a) throw new StoreError('NOT_FOUND', `no account '${name}'`);
  for (const [k, v] of Object.entries(patch)) {
    if (typeof v === 'bigint' && v <= 0n) throw new StoreError('INVALID', `${k} must be > 0`);
    if (typeof v === 'number' && (!Number.isInteger(v) || v < 1 || v > 100_000))
      throw new StoreError('INVALID', `${k} must be 1..100000`);
  }
  // The audit row (with an actor) commits with the change or not at all.
  return db.tx(async (trx) => {
    const before = await capsOf(trx, Number(a.id));
    const caps = { ...before, ...patch };
    await writeCaps(trx, Number(a.id), caps);
    if (actor)
      await recordAudit(trx, {
        actor,
        action: 'caps',
        target: `account:${name}`,
        before: auditCaps(before),
        after: auditCaps(caps),
      });
    return caps;
  });
}

/**
 * Money as decimal strings, as every audit row has it. The last two keep the names audit rows
 * have always had (blockedDestPerMin, concurrentMax), so that old and new rows compare.
 */
function auditCaps(c: SpendCaps): Record<string, string | number | null> {
  const { blockedDestPerMinute, concurrent, ...rest } = capsFields(c, formatMoney);
  return { ...rest, blockedDestPerMin: blockedDestPerMinute, concurrentMax: concurrent };
}

/** The 'cap_hit' event of a call refused CAP_* (written in the refusing transaction). */
export function emitCapHit(
  trx: Knex.Transaction,
  c: {
    uniqueid: string;
    accountId: number;
    account: string;
    cap: string;
    dst: string;
    start: Date;
  },
): Promise<void> {
  return emitEvent(trx, {
    kind: 'cap_hit',
    cause: c.uniqueid,
    accountId: c.accountId,
    at: c.start,
    data: { account: c.account, cap: c.cap, uniqueid: c.uniqueid, dst: c.dst },
  });
}

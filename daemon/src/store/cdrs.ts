/**
 * The astcdr table: the two-phase CDR. Phase 1 (status 'open') is written by tx/authorise with
 * the rate snapshot and the grant; the answer time may be added while the call runs; phase 2
 * (status 'settled') is written by tx/settle. Refused attempts are written settled at once with
 * disposition FAILED, a reason and cost 0 (tx/authorise, tx/refusal).
 */
import type { Knex } from 'knex';
import {
  formatFxRate,
  moneyFromDb,
  parseFxRate,
  type BandShare,
  type Money,
  type Rate,
} from '../rating/index.js';
import { bandSplitFromJson, bandSplitJson, bandingFromJson, bandingJson } from './bands.js';
import {
  END_SOURCES,
  refusalDisposition,
  type Disposition,
  type EndSource,
  type RefusalReason,
} from '../domain/cdr-vocabulary.js';
import { deferred } from './mysql-client.js';
import { fromDbTime, requiredTime, toDbTime } from './time.js';

export type CdrStatus = 'open' | 'settled';

/** The part of a rate a CDR keeps, so that settlement bills with the rate the call was granted on. */
export type RateSnapshot = Pick<
  Rate,
  'ratePerMin' | 'connectFee' | 'initialSecs' | 'incrementSecs' | 'minSecs' | 'banding' | 'fx'
>;

export interface Cdr {
  id: number;
  uniqueid: string;
  accountId: number | null;
  account: string | null;
  node: string;
  src: string;
  dst: string;
  tariff: string | null;
  prefix: string | null;
  rate: RateSnapshot | null;
  start: Date;
  answer: Date | null;
  end: Date | null;
  duration: number;
  billsec: number;
  disposition: Disposition | null;
  hangupCause: number | null;
  reason: RefusalReason | null;
  maxSeconds: number | null;
  maxCost: Money | null;
  cost: Money;
  status: CdrStatus;
  note: string | null;
  /** How the end was known when the daemon did not see it (NULL: observed). */
  endSource: EndSource | null;
  /** Routed calls: the trunk that carried it, what it cost us, cost − buyCost (else null). */
  trunk?: string | null;
  buyCost?: Money | null;
  margin?: Money | null;
  /** The digits as dialled when number normalisation changed them (dst is then the E.164 number). */
  dialled: string | null;
  /** A banded call, once settled: its charge by band (see store/bands.ts). */
  bandSplit?: BandShare[] | null;
  /** A converted call, once settled: its cost in the tariff's currency (rate.fx; `cost` is the charge). */
  tariffCost?: Money | null;
}

export interface CdrRow {
  id: number | string;
  uniqueid: string;
  account_id: number | string | null;
  account: string | null;
  node: string;
  src: string;
  dst: string;
  tariff: string | null;
  prefix: string | null;
  rate_per_min: unknown;
  connect_fee: unknown;
  initial_secs: number | string | null;
  increment_secs: number | string | null;
  min_secs: number | string | null;
  start: unknown;
  answer: unknown;
  end: unknown;
  duration: number | string;
  billsec: number | string;
  disposition: string | null;
  hangup_cause: number | string | null;
  reason: string | null;
  max_seconds: number | string | null;
  max_cost: unknown;
  cost: unknown;
  status: string;
  note: string | null;
  end_source?: string | null;
  trunk?: string | null;
  buy_cost?: unknown;
  margin?: unknown;
  dialled?: string | null;
  bands?: string | null;
  band_split?: string | null;
  fx_rate?: string | null;
  tariff_currency?: string | null;
  tariff_cost?: unknown;
}

const nullableInt = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function toCdr(r: CdrRow): Cdr {
  const hasRate = r.rate_per_min !== null && r.rate_per_min !== undefined;
  return {
    id: Number(r.id),
    uniqueid: r.uniqueid,
    accountId: nullableInt(r.account_id),
    account: r.account,
    node: r.node,
    src: r.src,
    dst: r.dst,
    tariff: r.tariff,
    prefix: r.prefix,
    rate: hasRate
      ? {
          ratePerMin: moneyFromDb(r.rate_per_min),
          connectFee: moneyFromDb(r.connect_fee),
          initialSecs: Number(r.initial_secs),
          incrementSecs: Number(r.increment_secs),
          minSecs: Number(r.min_secs),
          ...(r.bands ? { banding: bandingFromJson(r.bands) } : {}),
          ...(r.fx_rate && r.tariff_currency
            ? { fx: { currency: r.tariff_currency, rate: parseFxRate(r.fx_rate) } }
            : {}),
        }
      : null,
    start: requiredTime(r.start),
    answer: fromDbTime(r.answer),
    end: fromDbTime(r.end),
    duration: Number(r.duration),
    billsec: Number(r.billsec),
    disposition: r.disposition as Disposition | null,
    hangupCause: nullableInt(r.hangup_cause),
    reason: r.reason as RefusalReason | null,
    maxSeconds: nullableInt(r.max_seconds),
    maxCost: r.max_cost === null ? null : moneyFromDb(r.max_cost),
    cost: moneyFromDb(r.cost),
    status: r.status === 'open' ? 'open' : 'settled',
    note: r.note,
    endSource: (END_SOURCES as readonly string[]).includes(r.end_source ?? '')
      ? (r.end_source as EndSource)
      : null,
    trunk: r.trunk ?? null,
    buyCost: r.buy_cost === null || r.buy_cost === undefined ? null : moneyFromDb(r.buy_cost),
    margin: r.margin === null || r.margin === undefined ? null : moneyFromDb(r.margin),
    dialled: r.dialled ?? null,
    bandSplit: bandSplitFromJson(r.band_split),
    tariffCost:
      r.tariff_cost === null || r.tariff_cost === undefined ? null : moneyFromDb(r.tariff_cost),
  };
}

function rateColumns(rate: Rate | null): Record<string, unknown> {
  return {
    tariff: rate?.tariff ?? null,
    prefix: rate?.prefix ?? null,
    rate_per_min: rate?.ratePerMin ?? null,
    connect_fee: rate?.connectFee ?? null,
    initial_secs: rate?.initialSecs ?? null,
    increment_secs: rate?.incrementSecs ?? null,
    min_secs: rate?.minSecs ?? null,
    ...(rate?.banding ? { bands: bandingJson(rate.banding) } : {}),
    // A refused call names the tariff's currency it could not convert from (NOFX).
    ...(rate?.fx || rate?.currency
      ? { tariff_currency: rate.fx?.currency ?? rate.currency ?? null }
      : {}),
    ...(rate?.fx ? { fx_rate: formatFxRate(rate.fx.rate) } : {}),
  };
}

/** Who called whom and at what rate: what every new CDR row starts with. */
export interface CallParties {
  uniqueid: string;
  accountId: number | null;
  account: string | null;
  node: string;
  src: string;
  dst: string;
  dialled?: string | undefined;
  rate: Rate | null;
}

function callColumns(c: CallParties): Record<string, unknown> {
  return {
    uniqueid: c.uniqueid,
    account_id: c.accountId,
    account: c.account,
    node: c.node,
    // The columns hold 80 characters; a longer caller ID must not make the call fail (MySQL strict mode).
    src: c.src.slice(0, 80),
    dst: c.dst.slice(0, 80),
    ...(c.dialled !== undefined ? { dialled: c.dialled.slice(0, 80) } : {}),
    ...rateColumns(c.rate),
  };
}

export async function cdrByUniqueid(q: Knex, uniqueid: string): Promise<Cdr | undefined> {
  const row = (await q('astcdr').where({ uniqueid }).first()) as CdrRow | undefined;
  return row ? toCdr(row) : undefined;
}

/** cdrByUniqueid as a query, to send together with other reads (rows: CdrRow). */
export function cdrQuery(q: Knex, uniqueid: string): Knex.QueryBuilder {
  return q('astcdr').where({ uniqueid }).limit(1);
}

/** Phase 1: the granted call, open until settled. */
export type OpenCall = CallParties & {
  // A granted call always has its account and rate.
  accountId: number;
  account: string;
  rate: Rate;
  start: Date;
  maxSeconds: number;
  maxCost: Money;
};

/** The astcdr row of phase 1 (one column list for knex and hand-written batches). */
export function openCdrRow(c: OpenCall): Record<string, unknown> {
  return {
    ...callColumns(c),
    start: toDbTime(c.start),
    max_seconds: c.maxSeconds,
    max_cost: c.maxCost,
    cost: 0n,
    status: 'open',
  };
}

export async function insertOpenCdr(trx: Knex.Transaction, c: OpenCall): Promise<void> {
  await deferred(trx('astcdr').insert(openCdrRow(c)));
}

/**
 * A refused attempt: settled at once, with the reason and cost 0; disposition FAILED, or CANCEL
 * for ABANDONED (the caller hung up before anything was dialled). `end` defaults to `start`.
 */
export async function insertRefusedCdr(
  trx: Knex,
  c: CallParties & {
    start: Date;
    end?: Date | undefined;
    reason: RefusalReason;
    note?: string | undefined;
  },
): Promise<void> {
  const start = toDbTime(c.start);
  const endAt = c.end && c.end.getTime() > c.start.getTime() ? c.end : c.start;
  const duration = Math.floor((endAt.getTime() - c.start.getTime()) / 1000);
  await deferred(
    trx('astcdr').insert({
      ...callColumns(c),
      start,
      end: toDbTime(endAt),
      duration,
      billsec: 0,
      disposition: refusalDisposition(c.reason),
      reason: c.reason,
      cost: 0n,
      status: 'settled',
      note: c.note ? c.note.slice(0, 255) : null,
    }),
  );
}

/** Phase 2: only an open CDR is completed (the caller has locked it and seen it open). */
export async function completeCdr(
  trx: Knex.Transaction,
  uniqueid: string,
  c: {
    answer: Date | null;
    end: Date;
    duration: number;
    billsec: number;
    disposition: Disposition;
    hangupCause: number | null;
    cost: Money;
    note: string | null;
    endSource?: EndSource | null | undefined;
    bandSplit?: readonly BandShare[] | null;
    tariffCost?: Money | null;
  },
): Promise<void> {
  await deferred(
    trx('astcdr')
      .where({ uniqueid, status: 'open' })
      .update({
        answer: c.answer ? toDbTime(c.answer) : null,
        end: toDbTime(c.end),
        duration: c.duration,
        billsec: c.billsec,
        disposition: c.disposition,
        hangup_cause: c.hangupCause,
        cost: c.cost,
        status: 'settled',
        note: c.note === null ? null : c.note.slice(0, 255),
        end_source: c.endSource ?? null,
        ...(c.bandSplit ? { band_split: bandSplitJson(c.bandSplit) } : {}),
        ...(c.tariffCost !== undefined && c.tariffCost !== null
          ? { tariff_cost: c.tariffCost }
          : {}),
      }),
  );
}

export async function markCdrAnswered(q: Knex, uniqueid: string, answer: Date): Promise<void> {
  await q('astcdr')
    .where({ uniqueid, status: 'open' })
    .whereNull('answer')
    .update({ answer: toDbTime(answer) });
}

export interface CdrFilter {
  /** Account name. */
  account?: string | undefined;
  /** Only calls that started at or after this time. */
  since?: Date | undefined;
  /** Newest N (default all), returned oldest first. */
  limit?: number | undefined;
}

export async function listCdrs(q: Knex, f: CdrFilter = {}): Promise<Cdr[]> {
  const query = q('astcdr').orderBy([
    { column: 'start', order: 'desc' },
    { column: 'id', order: 'desc' },
  ]);
  if (f.account !== undefined)
    query.whereIn('account_id', q('astaccount').where({ name: f.account }).select('id'));
  if (f.since !== undefined) query.where('start', '>=', toDbTime(f.since));
  if (f.limit !== undefined) query.limit(f.limit);
  return ((await query) as CdrRow[]).map(toCdr).reverse();
}

export interface CdrRange {
  /** Account name. */
  account?: string | undefined;
  /** Calls that started at or after this time. */
  since?: Date | undefined;
  /** Calls that started before this time. */
  until?: Date | undefined;
  /** At most this many (the oldest ones). */
  limit: number;
}

/** CDRs by start time, oldest first; `truncated` when more rows matched than `limit`. */
export async function cdrsInRange(
  q: Knex,
  f: CdrRange,
): Promise<{ cdrs: Cdr[]; truncated: boolean }> {
  const query = q('astcdr')
    .orderBy([{ column: 'start' }, { column: 'id' }])
    .limit(f.limit + 1);
  if (f.account !== undefined) query.where('account', f.account);
  if (f.since !== undefined) query.where('start', '>=', toDbTime(f.since));
  if (f.until !== undefined) query.where('start', '<', toDbTime(f.until));
  const rows = (await query) as CdrRow[];
  const truncated = rows.length > f.limit;
  return { cdrs: rows.slice(0, f.limit).map(toCdr), truncated };
}

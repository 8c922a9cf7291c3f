/**
 * The astrate table: longest-prefix lookup for the call flow, listing, and upserting rates
 * (one rate or a whole CSV file in ONE transaction: all rows or none). Each tariff has versions
 * (rows with one `effective` time, see rate-versions.ts); lookups read the version in force.
 */
import type { Knex } from 'knex';
import {
  candidatePrefixes,
  formatMoney,
  longestPrefix,
  moneyFromDb,
  rateProblem,
  type Rate,
} from '../rating/index.js';
import type { Db } from './db.js';
import { StoreError, amountProblem } from './errors.js';
import { recordAudit, type Actor } from './operators/audit.js';
import { EPOCH } from './migrations/0009-rating.js';
import { requiredTime, toDbTime } from './time.js';

export interface RateRow {
  tariff: string;
  prefix: string;
  description: string;
  rate_per_min: unknown;
  connect_fee: unknown;
  initial_secs: number | string;
  increment_secs: number | string;
  min_secs: number | string;
}

export function toRate(row: RateRow): Rate {
  return {
    tariff: row.tariff,
    prefix: row.prefix,
    description: row.description,
    ratePerMin: moneyFromDb(row.rate_per_min),
    connectFee: moneyFromDb(row.connect_fee),
    initialSecs: Number(row.initial_secs),
    incrementSecs: Number(row.increment_secs),
    minSecs: Number(row.min_secs),
  };
}

function toRow(r: Rate): RateRow {
  return {
    tariff: r.tariff,
    prefix: r.prefix,
    description: r.description,
    rate_per_min: r.ratePerMin,
    connect_fee: r.connectFee,
    initial_secs: r.initialSecs,
    increment_secs: r.incrementSecs,
    min_secs: r.minSecs,
  };
}

/** At most this many rates are listed in one audit row (the counts are always there). */
export const AUDIT_RATES = 200;

/** A rate as the audit trail records it (money as decimal strings). */
export const rateJson = (r: Rate) => ({
  tariff: r.tariff,
  prefix: r.prefix,
  ratePerMin: formatMoney(r.ratePerMin),
  connectFee: formatMoney(r.connectFee),
  initialSecs: r.initialSecs,
  incrementSecs: r.incrementSecs,
  minSecs: r.minSecs,
});

async function auditRateImport(
  trx: Knex.Transaction,
  actor: Actor,
  tariffs: string[],
  rates: readonly Rate[],
  replaced: Rate[],
): Promise<void> {
  await recordAudit(trx, {
    actor,
    action: 'rates.import',
    target: `tariff:${tariffs.join(',')}`.slice(0, 120),
    before: { replaced: replaced.slice(0, AUDIT_RATES).map(rateJson) },
    after: {
      count: rates.length,
      updated: replaced.length,
      rates: rates.slice(0, AUDIT_RATES).map(rateJson),
    },
  });
}

export function tariffProblem(tariff: string): string | undefined {
  return /^[A-Za-z0-9_.-]{1,40}$/.test(tariff)
    ? undefined
    : `tariff '${tariff}' must be 1-40 letters, digits or _ . -`;
}

/** Everything wrong with a rate, or undefined when the store accepts it. */
export function storableRateProblem(r: Rate): string | undefined {
  return (
    tariffProblem(r.tariff) ??
    rateProblem(r) ??
    amountProblem('rate', r.ratePerMin) ??
    amountProblem('connection fee', r.connectFee) ??
    (r.description.length > 120 ? 'description must be at most 120 characters' : undefined)
  );
}

/**
 * The effective time of `tariff`'s version in force at `at` (the latest ≤ at), as a subquery;
 * `tariff` may itself be a subquery. NULL (no rows match) when the tariff had no version yet.
 */
export function versionAt(
  q: Knex,
  tariff: string | Knex.QueryBuilder,
  at: Date,
): Knex.QueryBuilder {
  return q('astrate as v')
    .max('v.effective')
    .where('v.tariff', tariff)
    .where('v.effective', '<=', toDbTime(at));
}

/** Longest-prefix rate of `number` in the version of `tariff` in force at `at` (one query). */
export async function rateFor(
  q: Knex,
  tariff: string,
  number: string,
  at: Date = new Date(),
): Promise<Rate | undefined> {
  const digits = number.slice(0, 40);
  if (digits.length === 0) return undefined;
  const rows = (await q('astrate')
    .where({ tariff })
    .where('effective', versionAt(q, tariff, at))
    .whereIn('prefix', candidatePrefixes(digits))) as RateRow[];
  const best = longestPrefix(rows, digits);
  return best ? toRate(best) : undefined;
}

/** A tariff exists when it has at least one rate. */
export async function tariffExists(q: Knex, tariff: string): Promise<boolean> {
  return (await q('astrate').where({ tariff }).first('id')) !== undefined;
}

/** The rates in force at `at` (default now): each tariff's version then. */
export async function listRates(q: Knex, tariff?: string, at: Date = new Date()): Promise<Rate[]> {
  const query = q('astrate')
    .where('effective', '<=', toDbTime(at))
    .orderBy([{ column: 'tariff' }, { column: 'prefix' }]);
  if (tariff !== undefined) query.where({ tariff });
  const rows = (await query) as Array<RateRow & { effective: unknown }>;
  const latest = new Map<string, number>();
  for (const r of rows) {
    const e = requiredTime(r.effective).getTime();
    if (e > (latest.get(r.tariff) ?? -Infinity)) latest.set(r.tariff, e);
  }
  return rows
    .filter((r) => requiredTime(r.effective).getTime() === latest.get(r.tariff))
    .map(toRate);
}

export interface UpsertResult {
  inserted: number;
  updated: number;
}

/**
 * Inserts the rates, or updates the existing row for the same (tariff, prefix), in ONE
 * transaction. Rejects the whole batch if any rate is invalid or a (tariff, prefix) repeats.
 */
export async function upsertRates(
  db: Db,
  rates: readonly Rate[],
  actor?: Actor,
): Promise<UpsertResult> {
  const seen = new Set<string>();
  for (const r of rates) {
    const problem = storableRateProblem(r);
    if (problem) throw new StoreError('INVALID', `${r.tariff}/${r.prefix}: ${problem}`);
    const key = `${r.tariff}\u0000${r.prefix}`;
    if (seen.has(key))
      throw new StoreError('INVALID', `prefix ${r.prefix} appears twice in tariff ${r.tariff}`);
    seen.add(key);
  }
  if (rates.length === 0) return { inserted: 0, updated: 0 };
  return db.tx(async (trx) => {
    let updated = 0;
    const tariffs = [...new Set(rates.map((r) => r.tariff))];
    const existing = new Set<string>();
    // Rates are added to (or change) the version in force now; a later version is left alone.
    const version = new Map<string, unknown>();
    for (const tariff of tariffs) {
      const [v] = (await versionAt(trx, tariff, new Date())) as Array<Record<string, unknown>>;
      const effective = v && Object.values(v)[0];
      if (effective !== null && effective !== undefined) version.set(tariff, effective);
      const rows = (await trx('astrate')
        .where({ tariff, effective: version.get(tariff) ?? EPOCH })
        .select('prefix')) as Array<{
        prefix: string;
      }>;
      for (const row of rows) existing.add(`${tariff}\u0000${row.prefix}`);
    }
    const replaced: Rate[] = [];
    for (const r of rates) if (existing.has(`${r.tariff}\u0000${r.prefix}`)) updated++;
    if (actor && updated > 0)
      for (const tariff of tariffs)
        for (const old of await listRates(trx, tariff))
          if (rates.some((r) => r.tariff === tariff && r.prefix === old.prefix)) replaced.push(old);
    const CHUNK = 200;
    for (let i = 0; i < rates.length; i += CHUNK) {
      await trx('astrate')
        .insert(
          rates
            .slice(i, i + CHUNK)
            .map((r) => ({ ...toRow(r), effective: version.get(r.tariff) ?? EPOCH })),
        )
        .onConflict(['tariff', 'effective', 'prefix'])
        .merge([
          'description',
          'rate_per_min',
          'connect_fee',
          'initial_secs',
          'increment_secs',
          'min_secs',
        ]);
    }
    if (actor) await auditRateImport(trx, actor, tariffs, rates, replaced);
    return { inserted: rates.length - updated, updated };
  });
}

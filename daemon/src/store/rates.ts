/**
 * The astrate table: longest-prefix lookup for the call flow, listing, and upserting rates
 * (one rate or a whole CSV file in ONE transaction: all rows or none). Each tariff has versions
 * (rows with one `effective` time, see rate-versions.ts); lookups read the version in force.
 */
import type { Knex } from 'knex';
import { formatMoney, longestPrefix, type Rate } from '../rating/index.js';
import type { Db } from './db.js';
import {
  checkRateBatch,
  insertRateRows,
  rateColumns,
  rateFromColumns,
  wherePrefixOf,
  type RateColumns,
} from './rate-rows.js';
import { recordAudit, type Actor } from './operators/audit.js';
import { EPOCH } from './migrations/0009-rating.js';
import { requiredTime, toDbTime } from './time.js';
import { tariffCurrencyColumn } from './fx.js';

export interface RateRow extends RateColumns {
  tariff: string;
  /** Only where the query asked for it (fx.ts tariffCurrencyColumn). */
  tariff_currency?: string | null;
}

export function toRate(row: RateRow): Rate {
  const rate = rateFromColumns(row.tariff, row);
  return row.tariff_currency ? { ...rate, currency: row.tariff_currency } : rate;
}

function toRow(r: Rate): RateRow {
  return { tariff: r.tariff, ...rateColumns(r) };
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

export { storableRateProblem, tariffProblem } from './rate-rows.js';

/**
 * The effective time of `tariff`'s version in force at `at` (the latest ≤ at), as a subquery;
 * `tariff` may itself be a subquery. NULL (no rows match) when the tariff had no version yet.
 */
export function versionAt(
  q: Knex,
  tariff: string | Knex.QueryBuilder | Knex.Raw,
  at: Date,
): Knex.QueryBuilder {
  return q('astrate as v')
    .max('v.effective')
    .where('v.tariff', tariff)
    .where('v.effective', '<=', toDbTime(at));
}

/**
 * Longest-prefix rate of `number` in the version of `tariff` in force at `at`, with the tariff's
 * currency (one query).
 */
export async function rateFor(
  q: Knex,
  tariff: string,
  number: string,
  at: Date = new Date(),
): Promise<Rate | undefined> {
  const digits = number.slice(0, 40);
  if (digits.length === 0) return undefined;
  const rows = (await wherePrefixOf(
    q('astrate')
      .select('astrate.*', tariffCurrencyColumn(q))
      .where({ tariff })
      .where('effective', versionAt(q, tariff, at)),
    'prefix',
    digits,
  )) as RateRow[];
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
  checkRateBatch(rates);
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
    await insertRateRows(
      trx,
      'astrate',
      rates.map((r) => ({ ...toRow(r), effective: version.get(r.tariff) ?? EPOCH })),
      ['tariff', 'effective', 'prefix'],
    );
    if (actor) await auditRateImport(trx, actor, tariffs, rates, replaced);
    return { inserted: rates.length - updated, updated };
  });
}

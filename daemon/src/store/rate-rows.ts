/**
 * The one mechanism behind every table of rates: sell rates (astrate, with versions) and the
 * carriers' buy rates (asttrunkrate) hold the same columns, are checked the same way before a
 * batch is written (all or nothing), are written in chunks the same way, and are looked up by the
 * longest prefix of the number the same way (one `IN (…)` over the number's prefixes).
 */
import type { Knex } from 'knex';
import {
  candidatePrefixes,
  longestPrefix,
  moneyFromDb,
  rateProblem,
  type Rate,
} from '../rating/index.js';
import { StoreError, amountProblem } from './errors.js';

/** A rate's columns besides its owner (tariff, or trunk_id) and version. */
export interface RateColumns {
  prefix: string;
  description: string;
  rate_per_min: unknown;
  connect_fee: unknown;
  initial_secs: number | string;
  increment_secs: number | string;
  min_secs: number | string;
}

/** What an import of the same prefix updates. */
export const RATE_VALUE_COLUMNS = [
  'description',
  'rate_per_min',
  'connect_fee',
  'initial_secs',
  'increment_secs',
  'min_secs',
] as const;

export function rateColumns(r: Rate): RateColumns {
  return {
    prefix: r.prefix,
    description: r.description,
    rate_per_min: r.ratePerMin,
    connect_fee: r.connectFee,
    initial_secs: r.initialSecs,
    increment_secs: r.incrementSecs,
    min_secs: r.minSecs,
  };
}

/** A row read back as a Rate of `owner` (the tariff, or the trunk name for buy rates). */
export function rateFromColumns(owner: string, row: RateColumns): Rate {
  return {
    tariff: owner,
    prefix: row.prefix,
    description: row.description,
    ratePerMin: moneyFromDb(row.rate_per_min),
    connectFee: moneyFromDb(row.connect_fee),
    initialSecs: Number(row.initial_secs),
    incrementSecs: Number(row.increment_secs),
    minSecs: Number(row.min_secs),
  };
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
 * Refuses the whole batch (StoreError INVALID naming the rate) if any rate is unusable or a
 * prefix repeats within one owner; `kind` names the owner in the message ('tariff', 'trunk').
 */
export function checkRateBatch(rates: readonly Rate[], kind = 'tariff'): void {
  const seen = new Set<string>();
  for (const r of rates) {
    const problem = storableRateProblem(r);
    if (problem) throw new StoreError('INVALID', `${r.tariff}/${r.prefix}: ${problem}`);
    const key = `${r.tariff}\u0000${r.prefix}`;
    if (seen.has(key))
      throw new StoreError('INVALID', `prefix ${r.prefix} appears twice in ${kind} ${r.tariff}`);
    seen.add(key);
  }
}

const CHUNK = 200;

/** Inserts rows in chunks; with `conflict`, a row whose key exists updates its rate values. */
export async function insertRateRows(
  trx: Knex.Transaction,
  table: string,
  rows: ReadonlyArray<Record<string, unknown>>,
  conflict?: readonly string[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const q = trx(table).insert(rows.slice(i, i + CHUNK));
    await (conflict ? q.onConflict([...conflict]).merge([...RATE_VALUE_COLUMNS]) : q);
  }
}

/** Narrows a query of rate rows to those whose prefix starts `number` (at most 40 digits). */
export function wherePrefixOf(
  query: Knex.QueryBuilder,
  column: string,
  number: string,
): Knex.QueryBuilder {
  return query.whereIn(column, candidatePrefixes(number.slice(0, 40)));
}

/** The longest-prefix row of `number` for each owner, in the order the owners first appear. */
export function longestPerOwner<R extends { prefix: string }>(
  rows: readonly R[],
  ownerOf: (r: R) => string,
  number: string,
): R[] {
  const byOwner = new Map<string, R[]>();
  for (const r of rows) byOwner.set(ownerOf(r), [...(byOwner.get(ownerOf(r)) ?? []), r]);
  return [...byOwner.values()].map((list) => longestPrefix(list, number)!);
}

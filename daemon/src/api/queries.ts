/**
 * Reads the API needs that the store's repositories do not offer (yet). Each one is a single
 * read-only query over the store's tables, using the store's row mappers; when the store grows
 * an equivalent, the API should switch to it and the function here should go.
 *
 *  - cdrsInRange:  store/cdrs.ts listCdrs has `since` but no `until`, and no truncation flag.
 *  - reservedTotals: the count and sum of live reservations, for the metrics gauges.
 *  - databaseReachable: a bounded `SELECT 1` for GET /health.
 */
import type { Knex } from 'knex';
import { moneyFromDb, type Money } from '../rating/index.js';
import type { Db } from '../store/db.js';
import { toCdr, type Cdr, type CdrRow } from '../store/cdrs.js';
import { toDbTime } from '../store/time.js';

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

/** True when `SELECT 1` answers within `timeoutMs`. */
export async function databaseReachable(db: Db, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      db.knex.raw('SELECT 1').then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads of the trunk attempts table (astcallattempt): the attempts of one call, in the order
 * they were made, each with the buy-rate snapshot it was dialled at (the demo's checks); and
 * each trunk's recent answer-seizure ratio (routing's least-cost tie-break, rating/asr.ts).
 */
import type { Knex } from 'knex';
import type { Rate, TrunkAsr } from '../rating/index.js';
import { rateFromColumns, type RateColumns } from './rate-rows.js';
import { fromDbTime, toDbTime } from './time.js';

export interface CallAttempt {
  trunk: string;
  /** ANSWERED, a failure disposition, ABANDONED; null while ringing. */
  outcome: string | null;
  cause: number | null;
  techCause: number | null;
  start: Date;
  /** The buy rate the attempt was dialled at (tariff = the trunk name). */
  buy: Rate;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export async function callAttempts(q: Knex, uniqueid: string): Promise<CallAttempt[]> {
  const rows = (await q('astcallattempt').where({ uniqueid }).orderBy('id')) as Array<
    Omit<RateColumns, 'description'> & {
      trunk: string;
      outcome: string | null;
      cause: unknown;
      tech_cause: unknown;
      start: unknown;
    }
  >;
  return rows.map((r) => ({
    trunk: r.trunk,
    outcome: r.outcome,
    cause: num(r.cause),
    techCause: num(r.tech_cause),
    start: fromDbTime(r.start)!,
    buy: rateFromColumns(r.trunk, { ...r, description: '' }),
  }));
}

/**
 * Each trunk's attempts that started at or after `since` and ended at the carrier (answered or
 * refused), and how many were answered: the recent ASR that breaks least-cost ties. Attempts
 * still ringing and ABANDONED ones (the caller hung up first) say nothing of the carrier.
 */
export async function recentAsr(q: Knex, since: Date): Promise<Map<string, TrunkAsr>> {
  const rows = (await q('astcallattempt')
    .where('start', '>=', toDbTime(since))
    .whereNotNull('outcome')
    .whereNot('outcome', 'ABANDONED')
    .groupBy('trunk')
    .select(
      'trunk',
      q.raw('COUNT(*) AS attempts'),
      q.raw("SUM(CASE WHEN outcome = 'ANSWERED' THEN 1 ELSE 0 END) AS answered"),
    )) as Array<{ trunk: string; attempts: unknown; answered: unknown }>;
  return new Map(
    rows.map((r) => [r.trunk, { attempts: Number(r.attempts), answered: Number(r.answered) }]),
  );
}

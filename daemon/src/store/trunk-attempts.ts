/**
 * Reads of the trunk attempts table (astcallattempt): the attempts of one call, in the order
 * they were made, each with the buy-rate snapshot it was dialled at (the demo's checks and
 * operators' questions "which carriers did this call try?").
 */
import type { Knex } from 'knex';
import type { Rate } from '../rating/index.js';
import { toRate, type RateRow } from './rates.js';
import { fromDbTime } from './time.js';

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
    Omit<RateRow, 'tariff' | 'description'> & {
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
    buy: toRate({ ...r, tariff: r.trunk, description: '' }),
  }));
}

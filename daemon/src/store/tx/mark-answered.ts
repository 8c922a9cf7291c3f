/**
 * markAnswered: record the moment a call was answered, on its open CDR and on its reservation.
 *
 * Inputs:  uniqueid, answer time.
 * Locks:   MySQL/MariaDB: ONE autocommit multi-table UPDATE (the CDR row and its reservation
 *          row, atomically, with no BEGIN/COMMIT round trips), sent through Db.oneTrip (no knex
 *          runner per mark); re-run on deadlock / lock wait.
 *          SQLite (no multi-table UPDATE): one transaction with the two UPDATEs.
 * Writes:  astcdr.answer when the CDR is open and has no answer yet; astcreditres.answer when
 *          it has none yet. A second call changes nothing (the first answer time stays).
 * Results: none; an unknown uniqueid is not an error.
 *
 * markAnsweredMany: the same for several calls in ONE statement (the node's answer batch,
 * store/answer-batch.ts); each uniqueid keeps its first answer time.
 */
import type { Db } from '../db.js';
import { markCdrAnswered } from '../cdrs.js';
import { markReservationAnswered } from '../reservations.js';
import { withRetry } from '../retry.js';
import { toDbTime } from '../time.js';

export async function markAnswered(db: Db, uniqueid: string, answer: Date): Promise<void> {
  if (db.oneTrip) {
    const oneTrip = db.oneTrip;
    const at = toDbTime(answer);
    await withRetry(() =>
      oneTrip.batch(
        'UPDATE astcdr c LEFT JOIN astcreditres r ON r.uniqueid = c.uniqueid ' +
          "SET c.answer = CASE WHEN c.status = 'open' AND c.answer IS NULL THEN ? ELSE c.answer END, " +
          'r.answer = CASE WHEN r.answer IS NULL THEN ? ELSE r.answer END ' +
          'WHERE c.uniqueid = ?',
        [at, at, uniqueid],
      ),
    );
    return;
  }
  await db.tx(async (trx) => {
    await markCdrAnswered(trx, uniqueid, answer);
    await markReservationAnswered(trx, uniqueid, answer);
  });
}

export interface AnswerMark {
  uniqueid: string;
  answer: Date;
}

export async function markAnsweredMany(db: Db, marks: readonly AnswerMark[]): Promise<void> {
  if (marks.length === 0) return;
  if (marks.length === 1) return markAnswered(db, marks[0]!.uniqueid, marks[0]!.answer);
  if (db.oneTrip) {
    const oneTrip = db.oneTrip;
    const whenThen = marks.map(() => 'WHEN ? THEN ?').join(' ');
    const pairs = marks.flatMap((m) => [m.uniqueid, toDbTime(m.answer)]);
    await withRetry(() =>
      oneTrip.batch(
        `UPDATE astcdr c LEFT JOIN astcreditres r ON r.uniqueid = c.uniqueid ` +
          `SET c.answer = CASE WHEN c.status = 'open' AND c.answer IS NULL THEN CASE c.uniqueid ${whenThen} END ELSE c.answer END, ` +
          `r.answer = CASE WHEN r.answer IS NULL THEN CASE c.uniqueid ${whenThen} END ELSE r.answer END ` +
          `WHERE c.uniqueid IN (${marks.map(() => '?').join(', ')})`,
        [...pairs, ...pairs, ...marks.map((m) => m.uniqueid)],
      ),
    );
    return;
  }
  await db.tx(async (trx) => {
    for (const m of marks) {
      await markCdrAnswered(trx, m.uniqueid, m.answer);
      await markReservationAnswered(trx, m.uniqueid, m.answer);
    }
  });
}

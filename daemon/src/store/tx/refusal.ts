/**
 * recordRefusal: the CDR of an attempt refused before authorisation (NOROUTE, BADPIN,
 * NOACCOUNT, BADNUMBER, DBERROR, OVERLOAD, …), in ONE transaction; with no account, ONE
 * autocommit INSERT (the cheapest write there is: an overloaded daemon writes one per call it
 * turns away).
 *
 * Inputs:  RefusalRecord: uniqueid, accountId (null when no account was identified), src, dst,
 *          reason, node, start.
 * Locks:   none beyond the insert (no money moves; SQLite: BEGIN IMMEDIATE as always).
 * Writes:  one astcdr row: disposition FAILED (CANCEL for ABANDONED), the reason, cost 0,
 *          status settled; end and duration from `rec.end` when given (how long the caller
 *          spent in the voice menu), and `rec.note`.
 * Results: true when written; false when a CDR with this uniqueid already exists (idempotent:
 *          nothing is written the second time; the unique key on uniqueid decides).
 */
import type { RefusalRecord } from '../../session/ports.js';
import { accountById } from '../accounts.js';
import { insertRefusedCdr } from '../cdrs.js';
import type { Db } from '../db.js';
import { isUniqueViolation } from '../errors.js';
import { withRetry } from '../retry.js';

export async function recordRefusal(db: Db, rec: RefusalRecord): Promise<boolean> {
  try {
    if (rec.accountId === null) {
      await withRetry(() =>
        insertRefusedCdr(db.knex, { ...rec, accountId: null, account: null, rate: null }),
      );
      return true;
    }
    return await db.tx(async (trx) => {
      if (await trx('astcdr').where({ uniqueid: rec.uniqueid }).first('id')) return false;
      const account = rec.accountId !== null ? await accountById(trx, rec.accountId) : undefined;
      await insertRefusedCdr(trx, {
        ...rec,
        accountId: account ? account.id : null,
        account: account?.name ?? null,
        rate: null,
      });
      return true;
    });
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/**
 * pin-reset: give an account a new calling-card PIN (or remove it), in ONE transaction.
 *
 * Inputs:  account name, the new PIN's keyed hash (null: no PIN), actor (who).
 * Locks:   the astaccount row (UPDATE).
 * Writes:  astaccount.pin_hash, updated; one astaudit row (whether a PIN was set before/after;
 *          never the PIN or its hash).
 * Results: none.
 * Throws:  StoreError NOT_FOUND (no account), DUPLICATE (another account has that PIN).
 */
import type { Db } from '../db.js';
import { StoreError, isUniqueViolation } from '../errors.js';
import { recordAudit, type Actor } from '../operators/audit.js';
import { toDbTime } from '../time.js';

export async function resetPin(
  db: Db,
  req: { account: string; pinHash: string | null; actor: Actor; now?: Date },
): Promise<void> {
  const now = req.now ?? new Date();
  try {
    await db.tx(async (trx) => {
      const row = (await trx('astaccount').where({ name: req.account }).first('id', 'pin_hash')) as
        { id: number; pin_hash: string | null } | undefined;
      if (!row) throw new StoreError('NOT_FOUND', `no account '${req.account}'`);
      if (req.pinHash !== null) {
        const other = (await trx('astaccount')
          .where({ pin_hash: req.pinHash })
          .whereNot({ id: row.id })
          .first('id')) as unknown;
        if (other) throw new StoreError('DUPLICATE', 'that PIN is already used by another account');
      }
      await trx('astaccount')
        .where({ id: row.id })
        .update({ pin_hash: req.pinHash, updated: toDbTime(now) });
      await recordAudit(trx, {
        actor: req.actor,
        action: 'pin.reset',
        target: `account:${req.account}`,
        before: { pin: row.pin_hash !== null },
        after: { pin: req.pinHash !== null },
        at: now,
      });
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new StoreError('DUPLICATE', 'that PIN is already used by another account', {
        cause: err,
      });
    throw err;
  }
}

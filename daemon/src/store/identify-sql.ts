/**
 * The identification reads of a call (by name, caller ID or PIN hash) on MySQL/MariaDB as
 * hand-written constant text sent through Db.oneTrip: the statements accounts.ts builds with knex
 * (same rows, so the same Account), without building and compiling a query per call (issue #19).
 */
import type { Account } from '../session/ports.js';
import { toAccount, type AccountRow } from './accounts.js';
import type { OneTrip } from './mysql-client.js';

const BY = {
  name: 'SELECT * FROM astaccount WHERE name = ? LIMIT 1',
  ani:
    'SELECT astaccount.* FROM astaccount INNER JOIN astani ON astani.account_id = astaccount.id ' +
    'WHERE astani.number = ? LIMIT 1',
  pinHash: 'SELECT * FROM astaccount WHERE pin_hash = ? LIMIT 1',
} as const;

export type IdentifiedBy = keyof typeof BY;

export async function accountBy(
  oneTrip: OneTrip,
  by: IdentifiedBy,
  value: string,
): Promise<Account | undefined> {
  const rows = (await oneTrip.batch(BY[by], [value])) as AccountRow[];
  return rows[0] && toAccount(rows[0]);
}

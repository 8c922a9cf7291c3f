/**
 * The locked view of a call still running, read in the money order (the account row first, then
 * the CDR and the reservation) by the transactions that change a running call's grant
 * (tx/extend, tx/answer-banded). Undefined when the call is settled, unknown or unrated.
 */
import type { Knex } from 'knex';
import type { Account } from '../../session/ports.js';
import { lockAccount } from '../accounts.js';
import { cdrByUniqueid, type Cdr } from '../cdrs.js';
import { lockedCdr, lockedReservation } from '../grants.js';

export interface OpenCall {
  account: Account;
  cdr: Cdr & { rate: NonNullable<Cdr['rate']> };
  res: NonNullable<Awaited<ReturnType<typeof lockedReservation>>>;
}

export async function lockOpenCall(
  trx: Knex.Transaction,
  uniqueid: string,
): Promise<OpenCall | undefined> {
  const first = await cdrByUniqueid(trx, uniqueid);
  if (!first || first.accountId === null) return undefined;
  const account = await lockAccount(trx, first.accountId);
  const cdr = await lockedCdr(trx, uniqueid);
  const res = await lockedReservation(trx, uniqueid);
  if (!account || !cdr || cdr.status !== 'open' || !res || !cdr.rate) return undefined;
  return { account, cdr: { ...cdr, rate: cdr.rate }, res };
}

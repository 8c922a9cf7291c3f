/**
 * Phase 1 of a granted call as every path that grants one writes it (authorise, and adopt for a
 * call granted during a database outage): its reservation and its open CDR, in the caller's
 * transaction, after the account lock.
 */
import type { Knex } from 'knex';
import { insertOpenCdr } from './cdrs.js';
import { insertReservation } from './reservations.js';

export async function holdCall(
  trx: Knex.Transaction,
  call: Parameters<typeof insertOpenCdr>[1] & { node: string },
): Promise<void> {
  await insertReservation(trx, {
    uniqueid: call.uniqueid,
    accountId: call.accountId,
    maxCost: call.maxCost,
    maxSeconds: call.maxSeconds,
    node: call.node,
    created: call.start,
  });
  await insertOpenCdr(trx, call);
}

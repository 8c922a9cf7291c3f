/**
 * Phase 1 of a granted call as every path that grants one writes it (authorise, its one-trip
 * batch, and adopt for a call granted during a database outage): its reservation and its open
 * CDR, in the caller's transaction, after the account lock.
 */
import type { Knex } from 'knex';
import { openCdrRow, type OpenCall } from './cdrs.js';
import { reservationRow } from './reservations.js';
import { deferred } from './mysql-client.js';

export type HeldCall = OpenCall & { node: string };

/** The two rows of a held call, in the order they are written. */
export function holdCallRows(
  call: HeldCall,
): [table: 'astcreditres' | 'astcdr', row: Record<string, unknown>][] {
  return [
    [
      'astcreditres',
      reservationRow({
        uniqueid: call.uniqueid,
        accountId: call.accountId,
        maxCost: call.maxCost,
        maxSeconds: call.maxSeconds,
        node: call.node,
        created: call.start,
      }),
    ],
    ['astcdr', openCdrRow(call)],
  ];
}

export async function holdCall(trx: Knex.Transaction, call: HeldCall): Promise<void> {
  for (const [table, row] of holdCallRows(call)) await deferred(trx(table).insert(row));
}

/**
 * settle: end one call, in ONE transaction, exactly once.
 *
 * Inputs:  SettleRequest: uniqueid, disposition, hangupCause, answer, end, billsec (measured),
 *          note.
 * Locks:   reads the CDR's account id (it never changes), then locks the astaccount row
 *          (MySQL `SELECT … FOR UPDATE`; SQLite BEGIN IMMEDIATE), then re-reads the CDR and the
 *          reservation with locking reads (MySQL `FOR UPDATE`) so a settle that committed
 *          meanwhile is seen.
 * Writes:  only when the CDR is open:
 *            billsec = min(measured, granted max_seconds) for ANSWERED, else 0 (Asterisk's
 *                      absolute timeout fires a few ms late: never bill past the grant);
 *            cost    = callCost(rate snapshot on the CDR, billsec) (0 unless answered);
 *            astaccount: balance −= cost, reserved −= the reservation's max_cost (row written
 *                      even when cost is 0, for Galera);
 *            astledger: a 'charge' row (−cost, reference = uniqueid) when cost > 0; the unique
 *                      (kind, reference) key makes a second charge of one call impossible;
 *            astcdr:   phase 2 (answer, end, duration, billsec, disposition, cause, cost, note,
 *                      status settled);
 *            astcreditres: the reservation deleted.
 * Results: { settled: true, cost, billsec, balanceAfter }
 *          { settled: false, cost, billsec, balanceAfter } with the values recorded earlier when
 *            the CDR is not open (a second settle changes nothing);
 *          { settled: false, cost: 0, billsec: 0, balanceAfter: 0 } for an unknown uniqueid.
 */
import { callCost, type Money } from '../../rating/index.js';
import type { SettleRequest, SettleResult } from '../../session/ports.js';
import { lockAccount, writeAccountMoney } from '../accounts.js';
import { cdrByUniqueid, completeCdr, toCdr, type CdrRow } from '../cdrs.js';
import { dialectOf, type Db } from '../db.js';
import { insertLedger } from '../ledger.js';
import { deleteReservation } from '../reservations.js';
import { moneyFromDb } from '../../rating/index.js';
import type { Knex } from 'knex';

async function lockedCdr(trx: Knex.Transaction, uniqueid: string) {
  const q = trx('astcdr').where({ uniqueid });
  const row = (await (dialectOf(trx) === 'mysql' ? q.forUpdate() : q).first()) as CdrRow | undefined;
  return row ? toCdr(row) : undefined;
}

async function lockedReservationCost(trx: Knex.Transaction, uniqueid: string): Promise<Money | undefined> {
  const q = trx('astcreditres').where({ uniqueid }).select('max_cost');
  const row = (await (dialectOf(trx) === 'mysql' ? q.forUpdate() : q).first()) as { max_cost: unknown } | undefined;
  return row ? moneyFromDb(row.max_cost) : undefined;
}

export async function settle(db: Db, req: SettleRequest): Promise<SettleResult> {
  return db.tx(async (trx) => {
    const first = await cdrByUniqueid(trx, req.uniqueid);
    if (!first) return { settled: false, cost: 0n, billsec: 0, balanceAfter: 0n };
    const account = first.accountId !== null ? await lockAccount(trx, first.accountId) : undefined;
    const cdr = await lockedCdr(trx, req.uniqueid);
    if (!account || !cdr || cdr.status !== 'open') {
      return { settled: false, cost: cdr?.cost ?? 0n, billsec: cdr?.billsec ?? 0, balanceAfter: account?.balance ?? 0n };
    }

    const answered = req.disposition === 'ANSWERED';
    const measured = Math.max(0, Math.floor(req.billsec));
    const billsec = answered ? Math.min(measured, cdr.maxSeconds ?? measured) : 0;
    const cost = answered && cdr.rate ? callCost(cdr.rate, billsec) : 0n;
    const held = (await lockedReservationCost(trx, req.uniqueid)) ?? 0n;
    const balanceAfter = account.balance - cost;
    const now = new Date();

    await writeAccountMoney(trx, account.id, { balance: balanceAfter, reserved: account.reserved - held }, now);
    if (cost > 0n) {
      await insertLedger(trx, { accountId: account.id, kind: 'charge', amount: -cost, balanceAfter, reference: req.uniqueid, note: null, created: req.end });
    }
    const answer = answered ? (req.answer ?? cdr.answer) : null;
    const elapsed = Math.floor((req.end.getTime() - cdr.start.getTime()) / 1000);
    await completeCdr(trx, req.uniqueid, {
      answer,
      end: req.end,
      duration: Math.max(elapsed, billsec, 0),
      billsec,
      disposition: req.disposition,
      hangupCause: req.hangupCause,
      cost,
      note: req.note ?? null,
    });
    await deleteReservation(trx, req.uniqueid);
    return { settled: true, cost, billsec, balanceAfter };
  });
}

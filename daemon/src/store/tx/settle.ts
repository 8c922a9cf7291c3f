/**
 * settle: end one call, in ONE transaction, exactly once.
 *
 * Inputs:  SettleRequest: uniqueid, disposition, hangupCause, answer, end, billsec (measured),
 *          note, endSource (how an end the daemon did not see was determined).
 * Locks:   ONE locking read joins the CDR, its account and its reservation (MySQL
 *          `SELECT … FOR UPDATE`, which locks all three rows; SQLite BEGIN IMMEDIATE), so a
 *          settle that committed meanwhile is seen. Two settles of one call both lock the CDR
 *          row first; an authorise on the same account locks only the account row before its
 *          inserts, so no lock cycle arises (and a deadlock would re-run the transaction).
 * Writes:  only when the CDR is open:
 *            billsec = min(measured, granted max_seconds) for ANSWERED, else 0 (Asterisk's
 *                      absolute timeout fires a few ms late: never bill past the grant);
 *                      an end the daemon did not see (end_source last-up / first-gone) is
 *                      billed no lower than the CDR's checkpoint, read under the lock (the
 *                      daemon proved the call up that long; a checkpoint tick may commit
 *                      while the end is being decided), its end moved to match;
 *            cost    = costOf(rate snapshot on the CDR, answer, billsec) (0 unless answered;
 *                      a banded rate is priced from the CDR's answer, the instant the grant
 *                      was computed from, and its split by band is written to band_split;
 *                      a rate snapshot with an exchange (fx_rate) is converted once into the
 *                      account's currency, and the cost before conversion goes to tariff_cost);
 *            astaccount: balance −= cost, reserved −= the reservation's max_cost (row written
 *                      even when cost is 0, for Galera);
 *            astledger: a 'charge' row (−cost, reference = uniqueid) when cost > 0; the unique
 *                      (kind, reference) key makes a second charge of one call impossible;
 *            astcdr:   phase 2 (answer, end, duration, billsec, disposition, cause, cost, note,
 *                      end_source, status settled);
 *            astcdr (routed call): trunk, buy_cost = callCost(the answering trunk's buy-rate
 *                      snapshot on its astcallattempt row, billsec), margin = cost − buy_cost
 *                      (tariff_cost − buy_cost for a converted call: buy rates are in the
 *                      tariff's terms);
 *            astcreditres: the reservation deleted;
 *            astoutbox: low_balance / credit_exhausted when the balance crossed the account's
 *                      threshold (astcap low_balance, read in the same locking read) or zero;
 *            anomaly stop (../anomaly.ts): a charged call that takes the cost of the account's
 *                      calls ended in the last burst_minutes above burst_spend blocks the
 *                      account (status, audit row, 'account.auto_blocked' event).
 * One trip: on MariaDB a request with hints (what the daemon granted) is first tried as one
 *          guarded batch (settle-one-trip.ts), with the same figures (../settle-figures.ts).
 * Results: { settled: true, cost, billsec, balanceAfter }
 *          { settled: false, cost, billsec, balanceAfter } with the values recorded earlier when
 *            the CDR is not open (a second settle changes nothing);
 *          { settled: false, cost: 0, billsec: 0, balanceAfter: 0 } for an unknown uniqueid.
 */
import type { Money } from '../../rating/index.js';
import { settleFigures } from '../settle-figures.js';
import { settleOneTrip } from './settle-one-trip.js';
import type { SettleRequest, SettleResult } from '../../session/ports.js';
import { chargeCall } from '../charge.js';
import { burstStop } from '../anomaly.js';
import { emitBalanceEvents } from '../outbox.js';
import { completeCdr, toCdr, type CdrRow } from '../cdrs.js';
import { dialectOf, type Db } from '../db.js';
import { deleteReservation } from '../reservations.js';
import { BUY_COLUMNS, buySnapshot, writeBuySide, type BuyColumns } from '../buy-side.js';
import { moneyFromDb } from '../../rating/index.js';
import type { Knex } from 'knex';

interface LockedRow extends CdrRow, BuyColumns {
  checkpoint_secs: number | string | null;
  acct_id: number | string | null;
  acct_balance: unknown;
  acct_reserved: unknown;
  res_max_cost: unknown;
  low_balance: unknown;
  burst_minutes: number | string | null;
  burst_spend: unknown;
}

/** The CDR with its account's money and its reservation's held amount, all three rows locked. */
async function lockCall(trx: Knex.Transaction, uniqueid: string) {
  const q = trx('astcdr as c')
    .leftJoin('astaccount as a', 'a.id', 'c.account_id')
    .leftJoin('astcreditres as r', 'r.uniqueid', 'c.uniqueid')
    .leftJoin('astcallattempt as t', (j) =>
      // The answered trunk; still NULL when the call ended before its outcome was written.
      j
        .on('t.uniqueid', '=', 'c.uniqueid')
        .andOn((o) => o.on('t.outcome', '=', trx.raw('?', ['ANSWERED'])).orOnNull('t.outcome')),
    )
    .leftJoin('astcap as k', 'k.account_id', 'c.account_id')
    .where('c.uniqueid', uniqueid)
    .select(
      'c.*',
      'a.id as acct_id',
      'a.balance as acct_balance',
      'a.reserved as acct_reserved',
      'r.max_cost as res_max_cost',
      ...BUY_COLUMNS,
      'k.low_balance as low_balance',
      'k.burst_minutes as burst_minutes',
      'k.burst_spend as burst_spend',
    );
  const row = (await (dialectOf(trx) === 'mysql' ? q.forUpdate() : q).first()) as
    LockedRow | undefined;
  if (!row) return undefined;
  const account =
    row.acct_id === null || row.acct_id === undefined
      ? undefined
      : {
          id: Number(row.acct_id),
          balance: moneyFromDb(row.acct_balance),
          reserved: moneyFromDb(row.acct_reserved),
        };
  const held: Money | undefined =
    row.res_max_cost === null || row.res_max_cost === undefined
      ? undefined
      : moneyFromDb(row.res_max_cost);
  const checkpoint = row.checkpoint_secs === null ? 0 : Number(row.checkpoint_secs);
  const lowBalance =
    row.low_balance === null || row.low_balance === undefined ? null : moneyFromDb(row.low_balance);
  const burst = {
    minutes:
      row.burst_minutes === null || row.burst_minutes === undefined
        ? null
        : Number(row.burst_minutes),
    spend:
      row.burst_spend === null || row.burst_spend === undefined
        ? null
        : moneyFromDb(row.burst_spend),
  };
  return { cdr: toCdr(row), account, held, checkpoint, buy: buySnapshot(row), lowBalance, burst };
}

export async function settle(db: Db, req: SettleRequest): Promise<SettleResult> {
  // MariaDB: the ordinary case in one round trip; anything else (or a guard that fails) here.
  if (db.oneTrip && req.hints) {
    const done = await settleOneTrip(db.oneTrip, req);
    if (done) return done;
  }
  return db.tx(async (trx) => {
    const locked = await lockCall(trx, req.uniqueid);
    if (!locked) return { settled: false, cost: 0n, billsec: 0, balanceAfter: 0n };
    const { cdr, account } = locked;
    if (!account || cdr.status !== 'open') {
      return {
        settled: false,
        cost: cdr?.cost ?? 0n,
        billsec: cdr?.billsec ?? 0,
        balanceAfter: account?.balance ?? 0n,
      };
    }

    const f = settleFigures(req, { ...cdr, checkpoint: locked.checkpoint });
    const { answered, billsec, cost, bandSplit, tariffCost, answer, end } = f;
    const held = locked.held ?? 0n;
    const now = new Date();

    const balanceAfter = await chargeCall(trx, account, {
      cost,
      released: held,
      reference: req.uniqueid,
      note: null,
      at: req.end,
      now,
    });
    await completeCdr(trx, req.uniqueid, {
      answer,
      end,
      duration: f.duration,
      billsec,
      disposition: req.disposition,
      hangupCause: req.hangupCause,
      cost,
      note: req.note ?? null,
      endSource: req.endSource ?? null,
      bandSplit,
      tariffCost,
    });
    // Buy rates are priced like the tariff, so the margin is taken in the tariff's currency.
    if (locked.buy && answered)
      await writeBuySide(trx, req.uniqueid, locked.buy, billsec, tariffCost ?? cost);
    await deleteReservation(trx, req.uniqueid);
    const cause = req.uniqueid;
    const name = cdr.account ?? '';
    await emitBalanceEvents(trx, {
      ...account,
      name,
      before: account.balance,
      after: balanceAfter,
      cause,
      at: now,
      lowBalance: locked.lowBalance,
    });
    if (cost > 0n)
      await burstStop(trx, locked.burst, { accountId: account.id, account: name, cause, at: end });
    return { settled: true, cost, billsec, balanceAfter };
  });
}

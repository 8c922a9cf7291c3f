/**
 * lateCharge: write a call that was allowed while the database failed (allow-capped policy),
 * in ONE transaction, once it is back. Belongs next to the other money movements in
 * store/tx (proposed to the store's owner as store/tx/late-charge.ts); it lives here until then
 * and uses only the store's exported row helpers.
 *
 * Inputs:  the outage grant (the authorise request with its rate, the granted seconds and
 *          cost) and the call's settle request.
 * Locks:   the astaccount row (MySQL `SELECT … FOR UPDATE`; SQLite BEGIN IMMEDIATE).
 * Writes:  only when no CDR with this uniqueid exists, or the one there is the refusal a timed-out
 *          authorise committed after the daemon had allowed the call (AUTHORISE_REFUSALS, cost 0):
 *          the call happened, so that refusal is deleted and the call written in its place:
 *            astcdr: one settled row (rate snapshot, granted max, billsec ≤ granted seconds,
 *                    cost priced per time band like settle, note 'db-outage…'); a routed call
 *                    also its answering trunk, buy cost and margin (its astcallattempt row);
 *            astaccount: balance −= cost (reserved unchanged: the call never held a
 *                    reservation in the database). The balance may go below what authorise
 *                    would have allowed: the call has happened and must be charged;
 *            astledger: a 'charge' row (−cost, reference = uniqueid) when cost > 0;
 *            astoutbox: low_balance / credit_exhausted as a settle writes them;
 *            anomaly stop (burst) as a settle checks it (store/anomaly.ts).
 * Results: { outcome: 'charged', … } when written;
 *          { outcome: 'exists' } when a CDR with this uniqueid is already there (replayed
 *            before, or a timed-out authorise did commit after all): the caller then settles
 *            it through the store's idempotent settle.
 * Throws:  StoreError NOT_FOUND when the account is gone.
 */
import { bandSplitOf, costOf, type Money } from '../rating/index.js';
import { AUTHORISE_REFUSALS, type SettleRequest } from '../session/ports.js';
import { lockAccount } from '../store/accounts.js';
import { burstStopAfterCharge } from '../store/anomaly.js';
import { answeredBuy, writeBuySide } from '../store/buy-side.js';
import { chargeCall } from '../store/charge.js';
import { cdrByUniqueid, completeCdr, insertOpenCdr, type Cdr } from '../store/cdrs.js';
import type { Db } from '../store/db.js';
import { StoreError } from '../store/errors.js';
import { emitBalanceEvents, thresholds } from '../store/outbox.js';
import type { OutageGrant } from './records.js';

export interface OutageCall {
  grant: OutageGrant;
  settle: SettleRequest;
}

export type LateChargeResult =
  { outcome: 'charged'; cost: Money; billsec: number; balanceAfter: Money } | { outcome: 'exists' };

export type LateCharge = (call: OutageCall) => Promise<LateChargeResult>;

export const OUTAGE_NOTE = 'db-outage';

/** What an outage call is billed: the measured talk time, never more than was granted. */
export function outageBill(call: OutageCall): { billsec: number; cost: Money } {
  const answered = call.settle.disposition === 'ANSWERED';
  const billsec = answered
    ? Math.min(Math.max(0, Math.floor(call.settle.billsec)), call.grant.maxSeconds)
    : 0;
  const answerMs = (call.settle.answer ?? call.settle.end).getTime();
  return { billsec, cost: answered ? costOf(call.grant.req.rate, answerMs, billsec) : 0n };
}

/** A refusal the database wrote for this call (a settled attempt at no cost, for its account). */
function lateRefusal(cdr: Cdr, accountId: number): boolean {
  return (
    cdr.status === 'settled' &&
    cdr.cost === 0n &&
    cdr.accountId === accountId &&
    (AUTHORISE_REFUSALS as readonly string[]).includes(cdr.reason ?? '')
  );
}

export function knexLateCharge(db: Db): LateCharge {
  return (call) =>
    db.tx(async (trx): Promise<LateChargeResult> => {
      const { req, maxSeconds, maxCost } = call.grant;
      const s = call.settle;
      const there = await cdrByUniqueid(trx, req.uniqueid);
      if (there && !lateRefusal(there, req.accountId)) return { outcome: 'exists' };
      const account = await lockAccount(trx, req.accountId);
      if (!account)
        throw new StoreError(
          'NOT_FOUND',
          `no account with id ${req.accountId} for the outage call ${req.uniqueid}`,
        );
      if (there) await trx('astcdr').where({ uniqueid: req.uniqueid, status: 'settled' }).delete();
      const { billsec, cost } = outageBill(call);
      const answered = s.disposition === 'ANSWERED';
      const answer = answered ? s.answer : null;
      const pricedAt = (s.answer ?? s.end).getTime();
      await insertOpenCdr(trx, { ...req, account: account.name, maxSeconds, maxCost });
      await completeCdr(trx, req.uniqueid, {
        answer,
        end: s.end,
        duration: Math.max(Math.floor((s.end.getTime() - req.start.getTime()) / 1000), billsec, 0),
        billsec,
        disposition: s.disposition,
        hangupCause: s.hangupCause,
        cost,
        note: s.note ? `${OUTAGE_NOTE}; ${s.note}` : OUTAGE_NOTE,
        bandSplit: answered ? bandSplitOf(req.rate, pricedAt, billsec) : null,
        endSource: s.endSource ?? null,
      });
      // A routed call gets its trunk, buy cost and margin as settle gives them (store/tx/settle.ts);
      // an outage call is never converted (outage-policy.ts), so the margin is taken on its cost.
      const buy = answered ? await answeredBuy(trx, req.uniqueid) : undefined;
      if (buy) await writeBuySide(trx, req.uniqueid, buy, billsec, cost);
      // An outage call never had a reservation in the database: nothing to release.
      const now = new Date();
      const balanceAfter = await chargeCall(trx, account, {
        cost,
        released: 0n,
        reference: req.uniqueid,
        note: OUTAGE_NOTE,
        at: s.end,
        now,
      });
      // The same low-balance / credit-exhausted events as a settle (store/tx/settle.ts).
      await emitBalanceEvents(trx, {
        id: account.id,
        name: account.name,
        before: account.balance,
        after: balanceAfter,
        cause: req.uniqueid,
        at: now,
        lowBalance: (await thresholds(trx, account.id)).lowBalance,
      });
      if (cost > 0n)
        await burstStopAfterCharge(trx, {
          accountId: account.id,
          account: account.name,
          cause: req.uniqueid,
          at: s.end,
        });
      return { outcome: 'charged', cost, billsec, balanceAfter };
    });
}

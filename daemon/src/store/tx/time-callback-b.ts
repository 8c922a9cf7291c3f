/**
 * timeCallbackB: a callback's grant again at a leg's answer, in ONE transaction, from the legs'
 * answer instants (what answer-banded is for an ordinary call). Authorise priced both legs from
 * the order; time bands depend on when each leg's talk starts, and B's ring time is A's talk.
 *
 *   A answered (bAnswer null; only asked when a leg has time bands): one common T from A's
 *     answer, T = maxAffordableSecondsTwoLegsPriced(A from aAnswer, B from aAnswer (its answer
 *     is not known yet, and not earlier), money, cap); A's answer is recorded here.
 *   B answered (the PortaSIP callback rule): both legs end at the same instant, A having talked
 *     ringSecs = whole seconds from A's answer to B's longer: T_B = bLegSecondsAfterRingPriced(
 *     A from aAnswer, B from bAnswer, money, ringSecs, cap), cost_A(ringSecs + T_B) +
 *     cost_B(T_B) ≤ money. On flat rates the holdings cover T − ringSecs, so T_B ≥ T − ringSecs.
 *   The money is the account's available money (no more than its spend caps' room) plus what
 *   the two legs hold now; costs are rating/pricing.ts pricingOf, as settlement prices them.
 *
 * Inputs:  TimeCallbackBRequest: the legs' uniqueids, aAnswer, bAnswer (null: A's answer), at,
 *          defaultMaxSeconds (the cap when the account sets none).
 * Locks:   reads A's CDR account id, then the astaccount row FIRST (MySQL `SELECT … FOR UPDATE`;
 *          SQLite BEGIN IMMEDIATE), then both CDRs and reservations with locking reads, like
 *          tx/extend and tx/settle.
 * Writes:  when both CDRs are open and both reservations exist:
 *            astcreditres, astcdr of each leg: max_seconds, max_cost = the new grant and its cost
 *                          (A: T or ringSecs + T_B; B: T or T_B);
 *            when no second fits (bSeconds 0): B gets max_seconds 0, max_cost 0 (A keeps its
 *                          grant; at A's answer A gets 0 as well): the session ends the callback
 *                          at once, and settlement charges nothing past those grants;
 *            at A's answer: astcdr.answer, astcreditres.answer of A;
 *            astaccount: reserved += new − old costs (row written in any case, for Galera).
 * Results: { ok: true, aSeconds, bSeconds, costA, costB }; { ok: false, reason: 'GONE' } when a
 *          leg is settled or unknown. A repeated request computes the same grant again from the
 *          same money (nothing doubles: the legs' own holdings are counted back in first).
 */
import {
  bLegSecondsAfterRingPriced,
  maxAffordableSecondsTwoLegsPriced,
  minMoney,
  pricingOf,
} from '../../rating/index.js';
import type { TimeCallbackBRequest, TimeCallbackBResult } from '../../session/grant-ports.js';
import { available, lockAccount, writeAccountMoney } from '../accounts.js';
import { checkCaps } from '../caps.js';
import { cdrByUniqueid, markCdrAnswered } from '../cdrs.js';
import type { Db } from '../db.js';
import { growReservation, lockedCdr, lockedReservation } from '../grants.js';
import { deferred } from '../mysql-client.js';
import { markReservationAnswered } from '../reservations.js';

/** Whole seconds from A's answer to B's: the time A talks alone (rounded down). */
export function ringSecondsOf(aAnswer: Date, bAnswer: Date): number {
  return Math.max(0, Math.floor((bAnswer.getTime() - aAnswer.getTime()) / 1000));
}

export async function timeCallbackB(
  db: Db,
  req: TimeCallbackBRequest,
): Promise<TimeCallbackBResult> {
  return db.tx(async (trx): Promise<TimeCallbackBResult> => {
    const first = await cdrByUniqueid(trx, req.a);
    if (!first || first.accountId === null) return { ok: false, reason: 'GONE' };
    const account = await lockAccount(trx, first.accountId);
    const [cdrA, cdrB] = [await lockedCdr(trx, req.a), await lockedCdr(trx, req.b)];
    const [resA, resB] = [await lockedReservation(trx, req.a), await lockedReservation(trx, req.b)];
    if (
      !account ||
      !cdrA?.rate ||
      !cdrB?.rate ||
      cdrA.status !== 'open' ||
      cdrB.status !== 'open' ||
      cdrB.accountId !== account.id ||
      !resA ||
      !resB
    )
      return { ok: false, reason: 'GONE' };
    const held = resA.maxCost + resB.maxCost;
    // The spend caps (../caps.ts) bound the new money as at authorise: their room is what the
    // account may take beyond what the two legs hold.
    const caps = await checkCaps(trx, account, req.at, held, false);
    const more = caps?.room ? minMoney(available(account), caps.room.room) : available(account);
    const money = more + held;
    const cap = account.maxCallSeconds ?? req.defaultMaxSeconds;
    const pa = pricingOf(cdrA.rate, req.aAnswer.getTime());
    const pb = pricingOf(cdrB.rate, (req.bAnswer ?? req.aAnswer).getTime());
    let aSeconds: number;
    let bSeconds: number;
    if (req.bAnswer === null) {
      aSeconds = bSeconds = maxAffordableSecondsTwoLegsPriced(pa, pb, money, cap);
      await markReservationAnswered(trx, req.a, req.aAnswer);
      await markCdrAnswered(trx, req.a, req.aAnswer);
    } else {
      const ring = ringSecondsOf(req.aAnswer, req.bAnswer);
      bSeconds = bLegSecondsAfterRingPriced(pa, pb, money, ring, cap);
      aSeconds = bSeconds === 0 ? resA.maxSeconds : ring + bSeconds;
    }
    const costA = bSeconds === 0 && req.bAnswer !== null ? resA.maxCost : pa.cost(aSeconds);
    const costB = pb.cost(bSeconds);
    for (const [uniqueid, seconds, cost] of [
      [req.a, aSeconds, costA],
      [req.b, bSeconds, costB],
    ] as const) {
      await growReservation(trx, uniqueid, seconds, cost);
      await deferred(
        trx('astcdr')
          .where({ uniqueid, status: 'open' })
          .update({ max_seconds: seconds, max_cost: cost }),
      );
    }
    await writeAccountMoney(
      trx,
      account.id,
      { balance: account.balance, reserved: account.reserved - held + costA + costB },
      req.at,
    );
    return { ok: true, aSeconds, bSeconds, costA, costB };
  });
}

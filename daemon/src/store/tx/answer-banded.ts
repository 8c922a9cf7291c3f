/**
 * answerBanded: the answer of a call on a time-banded rate, in ONE transaction. The grant made
 * at authorisation priced the talk as if it began then; a band edge may fall in the ring time,
 * so the grant is computed again from the answer instant, exactly: the longest talk time the
 * money pays for walking through the bands from the answer (single mode), or the first slice
 * from the answer (grant mode). TIMEOUT(absolute) is set from this answer, never from
 * authorise's estimate, so the limit is never overrun and the call is cut exactly when the money
 * runs out. Flat rates never come here (tx/mark-answered records their answer).
 *
 * Inputs:  uniqueid, answer, defaultMaxSeconds, grantSeconds (grant mode; null: single mode).
 * Locks:   the astaccount row FIRST, then the CDR and the reservation (locking reads), like
 *          tx/extend, so it serialises with every other money transaction on the account.
 * Writes:  when the CDR is open, unanswered, and its reservation exists:
 *            astcdr.answer, astcreditres.answer = answer;
 *            astcreditres / astcdr: max_seconds = the new grant, max_cost = its cost from the
 *                          answer (rating/pricing.ts), with the reservation's own money back in
 *                          (balance + credit − other reservations, within the spend caps);
 *            astaccount:   reserved += new max_cost − old max_cost (written always, for Galera).
 * Results: { ok: true, maxSeconds, maxCost, final } (maxSeconds 0: the money no longer pays one
 *          billing block in the answer's band; the call must end at once, charged nothing);
 *          a repeat (already answered) answers the grant it holds, changing nothing;
 *          { ok: false, reason: 'GONE' } when the call is settled or unknown.
 */
import { minMoney, nextGrantPriced, pricingOf } from '../../rating/index.js';
import type { AnswerBandedRequest, AnswerBandedResult } from '../../session/grant-ports.js';
import { available, writeAccountMoney } from '../accounts.js';
import { checkCaps } from '../caps.js';
import { markCdrAnswered } from '../cdrs.js';
import type { Db } from '../db.js';
import { lockOpenCall } from './open-call.js';
import { growReservation } from '../grants.js';
import { markReservationAnswered } from '../reservations.js';

export async function answerBanded(db: Db, req: AnswerBandedRequest): Promise<AnswerBandedResult> {
  return db.tx(async (trx): Promise<AnswerBandedResult> => {
    const open = await lockOpenCall(trx, req.uniqueid);
    if (!open) return { ok: false, reason: 'GONE' };
    const { account, cdr, res } = open;
    if (cdr.answer)
      return { ok: true, maxSeconds: res.maxSeconds, maxCost: res.maxCost, final: false };

    const caps = await checkCaps(trx, account, req.answer, res.maxCost, false);
    const free = available(account);
    const money = res.maxCost + (caps?.room ? minMoney(free, caps.room.room) : free);
    const cap = account.maxCallSeconds ?? req.defaultMaxSeconds;
    const pricing = pricingOf(cdr.rate, req.answer.getTime());
    let maxSeconds: number;
    let final = true;
    if (req.grantSeconds !== null) {
      const g = nextGrantPriced(cdr.rate, pricing, {
        granted: 0,
        held: 0n,
        available: money,
        grantSeconds: req.grantSeconds,
        capSeconds: cap,
      });
      [maxSeconds, final] = [g.total, g.final];
    } else {
      maxSeconds = pricing.maxAffordable(money, cap);
    }
    const maxCost = maxSeconds === 0 ? 0n : pricing.cost(maxSeconds);

    await growReservation(trx, req.uniqueid, maxSeconds, maxCost);
    await markReservationAnswered(trx, req.uniqueid, req.answer);
    await markCdrAnswered(trx, req.uniqueid, req.answer);
    await trx('astcdr')
      .where({ uniqueid: req.uniqueid, status: 'open' })
      .update({ max_seconds: maxSeconds, max_cost: maxCost });
    await writeAccountMoney(
      trx,
      account.id,
      { balance: account.balance, reserved: account.reserved - res.maxCost + maxCost },
      req.answer,
    );
    return { ok: true, maxSeconds, maxCost, final };
  });
}

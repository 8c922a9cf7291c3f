/**
 * timeCallbackB: when leg B of a callback answers, give B its time from A's, in ONE transaction
 * (the PortaSIP callback rule). Both legs end at the same instant, A having talked B's ring time
 * longer, so: T_B = bLegSecondsAfterRing(rate A, rate B, money, ringSecs, cap) with
 * callCost(A, ringSecs + T_B) + callCost(B, T_B) ≤ the money, where the money is the account's
 * available money (no more than its spend caps' room) plus what the two legs hold now. At authorise both legs held T each, which
 * covers ringSecs + (T − ringSecs) and (T − ringSecs): T_B is never below T − ringSecs.
 *
 * Inputs:  TimeCallbackBRequest: the legs' uniqueids, ringSecs (whole seconds from A's answer to
 *          B's), at, defaultMaxSeconds (the cap when the account sets none).
 * Locks:   reads A's CDR account id, then the astaccount row FIRST (MySQL `SELECT … FOR UPDATE`;
 *          SQLite BEGIN IMMEDIATE), then both CDRs and reservations with locking reads, like
 *          tx/extend and tx/settle.
 * Writes:  when both CDRs are open and both reservations exist and T_B ≥ 1:
 *            astcreditres A: max_seconds = ringSecs + T_B, max_cost = callCost(A, that);
 *            astcreditres B: max_seconds = T_B, max_cost = callCost(B, T_B);
 *            astcdr of each leg: the same max_seconds, max_cost;
 *            astaccount: reserved += new − old costs (row written in any case, for Galera).
 * Results: { ok: true, aSeconds, bSeconds, costA, costB } (bSeconds 0: not one second fits,
 *          nothing changed); { ok: false, reason: 'GONE' } when a leg is settled or unknown.
 *          A repeated request computes the same grant again from the same money (nothing doubles:
 *          the legs' own holdings are counted back in before the new ones are taken).
 */
import { bLegSecondsAfterRingPriced, minMoney, pricingOf } from '../../rating/index.js';
import type { TimeCallbackBRequest, TimeCallbackBResult } from '../../session/grant-ports.js';
import { available, lockAccount, writeAccountMoney } from '../accounts.js';
import { checkCaps } from '../caps.js';
import { cdrByUniqueid } from '../cdrs.js';
import type { Db } from '../db.js';
import { growReservation, lockedCdr, lockedReservation } from '../grants.js';
import { deferred } from '../mysql-client.js';

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
    // Through each leg's snapshot from its own answer (B's is now): a leg on a tariff in another
    // currency is converted (rate.fx).
    const [priceA, priceB] = [
      pricingOf(cdrA.rate, (cdrA.answer ?? req.at).getTime()),
      pricingOf(cdrB.rate, req.at.getTime()),
    ];
    const bSeconds = bLegSecondsAfterRingPriced(
      priceA,
      priceB,
      more + held,
      req.ringSecs,
      account.maxCallSeconds ?? req.defaultMaxSeconds,
    );
    if (bSeconds < 1) {
      await writeAccountMoney(
        trx,
        account.id,
        { balance: account.balance, reserved: account.reserved },
        req.at,
      );
      return {
        ok: true,
        aSeconds: resA.maxSeconds,
        bSeconds: 0,
        costA: resA.maxCost,
        costB: resB.maxCost,
      };
    }
    const aSeconds = req.ringSecs + bSeconds;
    const costA = priceA.cost(aSeconds);
    const costB = priceB.cost(bSeconds);
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

/**
 * authoriseCallback: reserve the money for both legs of a callback call, in ONE transaction.
 *
 * Inputs:  CallbackAuthoriseRequest: callbackId, accountId, node, start, defaultMaxSeconds, and
 *          per leg (A: called first, B: called once A answers) its uniqueid (our channel id),
 *          number and the rate found for it.
 * Locks:   the astaccount row FIRST (MySQL `SELECT … FOR UPDATE`; SQLite BEGIN IMMEDIATE), as
 *          tx/authorise.
 * Writes:  grant   → one common maximum T = maxAffordableSecondsTwoLegs(rate A, rate B,
 *                    available, account max_seconds or defaultMaxSeconds), so that
 *                    callCost(A, T) + callCost(B, T) ≤ available exactly; per leg an
 *                    astcreditres row (max_seconds T, max_cost callCost(leg, T)) and an open
 *                    astcdr (dst = the leg's number, callback_id); astaccount.reserved += both.
 *          refusal → one settled astcdr row with uniqueid = callbackId: FAILED, reason
 *                    BLOCKED | LIMIT | CAP_* | NOCREDIT, cost 0, callback_id set.
 *          Spend caps (../caps.ts, read under the lock) as tx/authorise: both legs together are
 *          one call, so T is also cut to what the tightest cap's room pays for both legs.
 * Results: { ok: true, maxSeconds: T, costA, costB, available }
 *          { ok: false, reason, available } checked in this order: BLOCKED, LIMIT (live
 *          reservations + 2 > max_calls), NOCREDIT (T = 0).
 *          The same callbackId again: the first outcome again, nothing written.
 * Throws:  StoreError NOT_FOUND (no such account).
 */
import { callCost, maxAffordableSecondsTwoLegs, minMoney, type Money } from '../../rating/index.js';
import type {
  CallbackAuthoriseRequest,
  CallbackAuthoriseResult,
} from '../../session/grant-ports.js';
import { available, lockAccount, writeAccountMoney } from '../accounts.js';
import { cdrByUniqueid, insertOpenCdr, insertRefusedCdr } from '../cdrs.js';
import type { Db } from '../db.js';
import { StoreError } from '../errors.js';
import { checkCaps } from '../caps.js';
import { linkCallback } from '../grants.js';
import { countReservations, insertReservation, reservationByUniqueid } from '../reservations.js';

type Refusal = Extract<CallbackAuthoriseResult, { ok: false }>['reason'];
const REFUSALS: readonly Refusal[] = [
  'BLOCKED',
  'LIMIT',
  'NOCREDIT',
  'CAP_DAY',
  'CAP_MONTH',
  'CAP_CALL',
  'CAP_RATE',
];

export async function authoriseCallback(
  db: Db,
  req: CallbackAuthoriseRequest,
): Promise<CallbackAuthoriseResult> {
  return db.tx(async (trx): Promise<CallbackAuthoriseResult> => {
    const account = await lockAccount(trx, req.accountId);
    if (!account) throw new StoreError('NOT_FOUND', `no account with id ${req.accountId}`);
    const avail = available(account);

    const refused = await cdrByUniqueid(trx, req.callbackId);
    if (refused?.reason && (REFUSALS as readonly string[]).includes(refused.reason))
      return { ok: false, reason: refused.reason as Refusal, available: avail };
    const [ra, rb] = [
      await reservationByUniqueid(trx, req.a.uniqueid),
      await reservationByUniqueid(trx, req.b.uniqueid),
    ];
    if (ra && rb)
      return {
        ok: true,
        maxSeconds: ra.maxSeconds,
        costA: ra.maxCost,
        costB: rb.maxCost,
        available: avail,
      };
    if ((await cdrByUniqueid(trx, req.a.uniqueid)) || (await cdrByUniqueid(trx, req.b.uniqueid))) {
      throw new StoreError('CONFLICT', `callback ${req.callbackId} was already ended`);
    }

    const refuse = async (reason: Refusal): Promise<CallbackAuthoriseResult> => {
      await insertRefusedCdr(trx, {
        uniqueid: req.callbackId,
        accountId: account.id,
        account: account.name,
        node: req.node,
        src: req.a.number,
        dst: req.b.number,
        rate: null,
        start: req.start,
        reason,
      });
      await linkCallback(trx, req.callbackId, req.callbackId);
      return { ok: false, reason, available: avail };
    };
    if (account.status === 'blocked') return refuse('BLOCKED');
    if (
      account.maxCalls !== null &&
      (await countReservations(trx, account.id)) + 2 > account.maxCalls
    )
      return refuse('LIMIT');
    const caps = await checkCaps(trx, account, req.start, 0n, true);
    if (caps?.rateHit) return refuse('CAP_RATE');
    const secondsFor = (money: Money): number =>
      maxAffordableSecondsTwoLegs(
        req.a.rate,
        req.b.rate,
        money,
        account.maxCallSeconds ?? req.defaultMaxSeconds,
      );
    const maxSeconds = secondsFor(caps?.room ? minMoney(avail, caps.room.room) : avail);
    if (maxSeconds === 0)
      return refuse(caps?.room && secondsFor(avail) > 0 ? caps.room.reason : 'NOCREDIT');

    const costA = callCost(req.a.rate, maxSeconds);
    const costB = callCost(req.b.rate, maxSeconds);
    // A is called from the account's own callback service: src is B's number on A's CDR and
    // A's number on B's CDR (who each party talks to).
    const legs = [
      { leg: req.a, cost: costA, src: req.b.number },
      { leg: req.b, cost: costB, src: req.a.number },
    ];
    for (const { leg, cost, src } of legs) {
      await insertReservation(trx, {
        uniqueid: leg.uniqueid,
        accountId: account.id,
        maxCost: cost,
        maxSeconds,
        node: req.node,
        created: req.start,
      });
      await insertOpenCdr(trx, {
        uniqueid: leg.uniqueid,
        accountId: account.id,
        account: account.name,
        node: req.node,
        src,
        dst: leg.number,
        rate: leg.rate,
        start: req.start,
        maxSeconds,
        maxCost: cost,
      });
      await linkCallback(trx, leg.uniqueid, req.callbackId);
    }
    await writeAccountMoney(
      trx,
      account.id,
      { balance: account.balance, reserved: account.reserved + costA + costB },
      new Date(),
    );
    return { ok: true, maxSeconds, costA, costB, available: avail };
  });
}

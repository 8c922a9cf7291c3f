/**
 * authoriseCallback: reserve the money for both legs of a callback call, in ONE transaction.
 *
 * Inputs:  CallbackAuthoriseRequest: callbackId, accountId, node, start, defaultMaxSeconds, and
 *          per leg (A: called first, B: called once A answers) its uniqueid (our channel id),
 *          number and the rate found for it.
 * Locks:   the astaccount row FIRST (MySQL `SELECT … FOR UPDATE`; SQLite BEGIN IMMEDIATE), as
 *          tx/authorise.
 * Writes:  grant   → one common maximum T = maxAffordableSecondsTwoLegsPriced(A, B, available,
 *                    account max_seconds or defaultMaxSeconds), each leg priced by
 *                    rating/pricing.ts pricingOf from `start` (flat, or its time bands as if it
 *                    answered now; tx/time-callback-b prices them again at the answers), so that
 *                    cost_A(T) + cost_B(T) ≤ available exactly; per leg an astcreditres row
 *                    (max_seconds T, max_cost cost_leg(T)) and an open astcdr (dst = the leg's
 *                    number, callback_id, the rate with its bands and exchange); astaccount.reserved += both.
 *          refusal → one settled astcdr row with uniqueid = callbackId: FAILED, reason (below),
 *                    cost 0, callback_id set; a CAP_* refusal also a 'cap_hit' event.
 *          Spend caps and destination rules as tx/authorise (read under the same lock): the
 *          money both legs may take is at most the room the caps leave (T shrinks to fit).
 * Results: { ok: true, maxSeconds: T, costA, costB, available }
 *          { ok: false, reason, available } checked in this order (tx/authorise's): BLOCKED,
 *          EXPIRED (a batch card past its expiry; the first callback stamps a card's first use),
 *          BLOCKEDDEST (the rules deny A's or B's number), LIMIT (live reservations + 2 >
 *          max_calls), CAP_RATE, NOFX (a leg's tariff is in another currency and no exchange
 *          rate is in force; else each leg is priced through its rate), NOCREDIT (T = 0 on the
 *          credit), CAP_DAY | CAP_MONTH | CAP_CALL (T = 0 only under the cap).
 *          The same callbackId again: the first outcome again, nothing written.
 * Throws:  StoreError NOT_FOUND (no such account).
 */
import {
  maxAffordableSecondsTwoLegsPriced,
  minMoney,
  pricingOf,
  type DestRule,
} from '../../rating/index.js';
import type { Knex } from 'knex';
import { AUTHORISE_REFUSALS } from '../../session/ports.js';
import type {
  CallbackAuthoriseRequest,
  CallbackAuthoriseResult,
} from '../../session/grant-ports.js';
import { available, lockAccount, writeAccountMoney } from '../accounts.js';
import { probingStop, spikeStop } from '../anomaly.js';
import { capsOf, checkCaps, emitCapHit } from '../caps.js';
import { destinationPermitted, destRuleQueries } from '../dest-rules.js';
import { readTogether } from '../mysql-client.js';
import { cdrByUniqueid, insertOpenCdr, insertRefusedCdr } from '../cdrs.js';
import type { Db } from '../db.js';
import { StoreError } from '../errors.js';
import { linkCallback } from '../grants.js';
import { fxForCall } from '../fx.js';
import {
  activation,
  cardExpired,
  cardExpiredEvent,
  cardSecondsLeft,
  cardQuery,
  type CardRow,
} from '../batches/cards.js';
import { countReservations, insertReservation, reservationByUniqueid } from '../reservations.js';

type Refusal = Extract<CallbackAuthoriseResult, { ok: false }>['reason'];

export async function authoriseCallback(
  db: Db,
  req: CallbackAuthoriseRequest,
): Promise<CallbackAuthoriseResult> {
  return db.tx(async (trx): Promise<CallbackAuthoriseResult> => {
    const account = await lockAccount(trx, req.accountId);
    if (!account) throw new StoreError('NOT_FOUND', `no account with id ${req.accountId}`);
    const avail = available(account);

    const refused = await cdrByUniqueid(trx, req.callbackId);
    const again = AUTHORISE_REFUSALS.find((r) => r === refused?.reason);
    if (again) return { ok: false, reason: again, available: avail };
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

    const refuse = async (reason: Refusal, note?: string): Promise<CallbackAuthoriseResult> => {
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
        note,
      });
      await linkCallback(trx, req.callbackId, req.callbackId);
      return { ok: false, reason, available: avail };
    };
    const capHit = (cap: string) =>
      emitCapHit(trx, {
        uniqueid: req.callbackId,
        accountId: account.id,
        account: account.name,
        cap,
        dst: req.b.number,
        start: req.start,
      });
    if (account.status === 'blocked') return refuse('BLOCKED');
    const [card] = (await cardQuery(trx, account.id)) as CardRow[];
    if (cardExpired(card, req.start)) {
      await cardExpiredEvent(trx, card, account, req.start);
      return refuse('EXPIRED');
    }
    const limits = await capsOf(trx, account.id);
    const who = {
      accountId: account.id,
      account: account.name,
      cause: req.callbackId,
      at: req.start,
    };
    if (!(await bothLegsPermitted(trx, req))) {
      const stopped = await probingStop(trx, limits, who);
      return refuse('BLOCKEDDEST', stopped ? 'anomaly stop: probing' : undefined);
    }
    const live = await countReservations(trx, account.id);
    if (await spikeStop(trx, limits, who, live, 2)) return refuse('BLOCKED', 'anomaly stop: spike');
    if (account.maxCalls !== null && live + 2 > account.maxCalls) return refuse('LIMIT');
    const caps = await checkCaps(trx, account, req.start, 0n, true);
    if (caps?.rateHit) {
      await capHit('CAP_RATE');
      return refuse('CAP_RATE');
    }
    // Each leg through its exchange when its tariff is in another currency (../fx.ts).
    const [fxA, fxB] = [
      await fxForCall(trx, req.a.rate, account.currency, req.start),
      await fxForCall(trx, req.b.rate, account.currency, req.start),
    ];
    if (fxA === 'missing' || fxB === 'missing') {
      const from = fxA === 'missing' ? req.a.rate.currency : req.b.rate.currency;
      return refuse('NOFX', `no exchange rate ${from}→${account.currency} in force`);
    }
    const rateA = fxA ? { ...req.a.rate, fx: fxA } : req.a.rate;
    const rateB = fxB ? { ...req.b.rate, fx: fxB } : req.b.rate;
    const [priceA, priceB] = [
      pricingOf(rateA, req.start.getTime()),
      pricingOf(rateB, req.start.getTime()),
    ];
    // A card's callback ends at its expiry at the latest (as tx/authorise).
    const longest = account.maxCallSeconds ?? req.defaultMaxSeconds;
    const untilExpiry = cardSecondsLeft(card, req.start);
    const capSeconds = untilExpiry === null ? longest : Math.min(longest, untilExpiry);
    const seconds = (money: bigint) =>
      maxAffordableSecondsTwoLegsPriced(priceA, priceB, money, capSeconds);
    const maxSeconds = seconds(caps?.room ? minMoney(avail, caps.room.room) : avail);
    if (maxSeconds === 0) {
      if (!caps?.room || seconds(avail) === 0) return refuse('NOCREDIT');
      await capHit(caps.room.reason);
      return refuse(caps.room.reason);
    }

    const costA = priceA.cost(maxSeconds);
    const costB = priceB.cost(maxSeconds);
    // A is called from the account's own callback service: src is B's number on A's CDR and
    // A's number on B's CDR (who each party talks to).
    const legs = [
      { leg: req.a, rate: rateA, cost: costA, src: req.b.number },
      { leg: req.b, rate: rateB, cost: costB, src: req.a.number },
    ];
    for (const { leg, rate, cost, src } of legs) {
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
        rate,
        start: req.start,
        maxSeconds,
        maxCost: cost,
      });
      await linkCallback(trx, leg.uniqueid, req.callbackId);
    }
    const firstUse = activation(trx, account.id, card, req.start);
    if (firstUse) await firstUse;
    await writeAccountMoney(
      trx,
      account.id,
      { balance: account.balance, reserved: account.reserved + costA + costB },
      new Date(),
    );
    return { ok: true, maxSeconds, costA, costB, available: avail };
  });
}

/** Both numbers pass the account's and its tariff's destination rules (../dest-rules.ts). */
async function bothLegsPermitted(
  trx: Knex.Transaction,
  req: CallbackAuthoriseRequest,
): Promise<boolean> {
  const [ma, aa, mb, ab] = (await readTogether(trx, [
    ...destRuleQueries(trx, req.accountId, req.a.number),
    ...destRuleQueries(trx, req.accountId, req.b.number),
  ])) as [DestRule[], unknown[], DestRule[], unknown[]];
  return destinationPermitted(req.a.number, ma, aa) && destinationPermitted(req.b.number, mb, ab);
}

/**
 * extend: give a grant-mode call its next grant, in ONE transaction (an SCP's ApplyCharging).
 *
 * Inputs:  ExtendRequest: uniqueid, fromSeconds (the granted total the daemon knows of),
 *          confirmedSeconds (talk time so far), at, defaultMaxSeconds, defaultGrantSeconds.
 * Locks:   reads the CDR's account id (it never changes), then locks the astaccount row FIRST
 *          (MySQL `SELECT … FOR UPDATE`; SQLite BEGIN IMMEDIATE), then the CDR and the
 *          reservation with locking reads, exactly like tx/settle, so that an extension and a
 *          settlement of one call, or extensions of calls sharing an account, serialise. Every
 *          read after the account lock is a locking read: on MySQL a plain one would return the
 *          snapshot of the first read, from before the lock (a checkpoint written meanwhile
 *          would be overwritten by an older one).
 * Writes:  when the CDR is open and its reservation exists:
 *            astcreditres: max_seconds = the new total, max_cost = callCost(new total);
 *            astaccount:   reserved += callCost(new total) − callCost(old total) (the row is
 *                          written even when nothing more is granted, for Galera);
 *            astcdr:       max_seconds, max_cost, grants + 1 (when extended), and the interim
 *                          checkpoint: checkpoint_secs = max(itself, min(confirmedSeconds,
 *                          old total)), checkpoint_at = at.
 *          The new total (rating/grants.ts nextGrant) is a billing boundary: a full grant when
 *          the account's available money (balance + credit − reservations) pays for it, else the
 *          last affordable boundary as the FINAL grant; never past the longest call (account
 *          max_seconds, else defaultMaxSeconds) nor past a calling card's expiry (read with
 *          the card, ../batches/cards.ts; why 'expiry'). A blocked account gets nothing more.
 *          Spend caps (../caps.ts, read under the lock) bound the money like the credit does, so a
 *          grant-mode call ends exactly at the cap (why 'spendcap').
 * Results: { ok: true, maxSeconds, maxCost, final, why, extended }
 *          extended false + final when not one more billing block fits (or the account is
 *          blocked); a repeated request (the reservation already holds more than fromSeconds,
 *          e.g. the daemon gave up waiting but the commit landed) changes nothing and answers
 *          the current grant with final false.
 *          { ok: false, reason: 'GONE' } when the call is settled or unknown.
 */
import { minMoney, nextGrantPriced, pricingOf } from '../../rating/index.js';
import type { ExtendRequest, ExtendResult } from '../../session/grant-ports.js';
import { available, writeAccountMoney } from '../accounts.js';
import { cardQuery, cardSecondsLeft, type CardRow } from '../batches/cards.js';
import { checkCaps } from '../caps.js';
import type { Db } from '../db.js';
import { lockOpenCall } from './open-call.js';
import { chargingOf, growReservation, writeGrantOnCdr, grantColumns } from '../grants.js';

export async function extend(db: Db, req: ExtendRequest): Promise<ExtendResult> {
  return db.tx(async (trx): Promise<ExtendResult> => {
    const open = await lockOpenCall(trx, req.uniqueid);
    if (!open) return { ok: false, reason: 'GONE' };
    const { account, cdr, res } = open;
    const now = req.at;
    const cols = await grantColumns(trx, req.uniqueid, { lock: true });
    const grants = cols?.grants ?? 1;
    // A checkpoint never moves back (the periodic checkpointer of session/checkpointer.ts writes it too).
    const confirmed = Math.max(0, Math.min(Math.floor(req.confirmedSeconds), res.maxSeconds));
    const checkpoint = { seconds: Math.max(confirmed, cols?.checkpointSecs ?? 0), at: now };

    if (res.maxSeconds > req.fromSeconds) {
      return {
        ok: true,
        maxSeconds: res.maxSeconds,
        maxCost: res.maxCost,
        final: false,
        why: null,
        extended: false,
      };
    }
    if (account.status === 'blocked') {
      await writeAccountMoney(
        trx,
        account.id,
        { balance: account.balance, reserved: account.reserved },
        now,
      );
      await writeGrantOnCdr(trx, req.uniqueid, {
        grants,
        maxSeconds: res.maxSeconds,
        maxCost: res.maxCost,
        checkpoint,
      });
      return {
        ok: true,
        maxSeconds: res.maxSeconds,
        maxCost: res.maxCost,
        final: true,
        why: 'blocked',
        extended: false,
      };
    }

    const charging = await chargingOf(trx, account.id, {
      mode: 'grant',
      grantSeconds: req.defaultGrantSeconds,
    });
    const credit = available(account);
    const [card] = (await cardQuery(trx, account.id)) as CardRow[];
    // Talk began at the answer (unknown: as early as the grant allows, so never past the expiry).
    const talkFrom = cdr.answer ?? new Date(now.getTime() - req.fromSeconds * 1000);
    const untilExpiry = cardSecondsLeft(card, talkFrom, now);
    const longest = account.maxCallSeconds ?? req.defaultMaxSeconds;
    const expiryBinds = untilExpiry !== null && untilExpiry < longest;
    const caps = await checkCaps(trx, account, now, res.maxCost, false);
    const room = caps?.room ?? null;
    const capBinds = room !== null && room.room < credit;
    // A banded call is priced from its answer (the instant tx/answer-banded granted it from).
    const pricedAt = (cdr.answer ?? now).getTime();
    const g = nextGrantPriced(cdr.rate, pricingOf(cdr.rate, pricedAt), {
      granted: res.maxSeconds,
      held: res.maxCost,
      available: room && capBinds ? minMoney(credit, room.room) : credit,
      grantSeconds: charging.grantSeconds,
      capSeconds: expiryBinds ? untilExpiry : longest,
    });
    const extended = g.total > res.maxSeconds;
    const maxCost = res.maxCost + g.more;
    if (extended) await growReservation(trx, req.uniqueid, g.total, maxCost);
    await writeAccountMoney(
      trx,
      account.id,
      { balance: account.balance, reserved: account.reserved + g.more },
      now,
    );
    await writeGrantOnCdr(trx, req.uniqueid, {
      grants: extended ? grants + 1 : grants,
      maxSeconds: g.total,
      maxCost,
      checkpoint,
    });
    return {
      ok: true,
      maxSeconds: g.total,
      maxCost,
      final: g.final || !extended,
      why:
        capBinds && g.why !== 'cap' && (g.final || !extended)
          ? 'spendcap'
          : g.why === 'cap' && expiryBinds
            ? 'expiry'
            : (g.why ?? (extended ? null : 'credit')),
      extended,
    };
  });
}

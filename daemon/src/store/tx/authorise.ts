/**
 * authorise: reserve the money for one call attempt, in ONE transaction.
 *
 * Inputs:  AuthoriseRequest: uniqueid, accountId, src, dst, the rate found for dst, node,
 *          defaultMaxSeconds (cap when the account sets none), start; optionally `charging`
 *          (the daemon's default charging mode and grant size, see ../../session/grant-ports.ts).
 * Locks:   the astaccount row FIRST (MySQL/MariaDB `SELECT … FOR UPDATE`; SQLite: the
 *          transaction began with BEGIN IMMEDIATE and holds the database write lock). Everything
 *          that changes an account's reservations takes that lock first, so the reads that follow
 *          (this uniqueid's CDR, the account's live reservations) see every earlier commit.
 *          On MySQL the lock and the CDR read travel in one round trip, and the writes with the
 *          COMMIT in another (../mysql-client.ts).
 * Writes:  grant   → astcreditres row; astcdr phase 1 (open, rate snapshot, max_seconds,
 *                    max_cost = callCost(rate, max_seconds)); astaccount.reserved += max_cost.
 *                    Grant mode (the account's charging_mode, else `charging.mode`): max_seconds
 *                    is only the FIRST grant (rating/grants.ts firstGrant: a full slice, or the
 *                    last affordable boundary as the final grant); astcdr.grants = 1. tx/extend
 *                    grows it while the call runs.
 *                    The account row is written, so on Galera two nodes granting on the same
 *                    account conflict at commit (1213) and one re-runs (see ../retry.ts).
 *          refusal → astcdr row: FAILED, reason (below), cost 0; a CAP_* refusal also writes a
 *                    'cap_hit' event to astoutbox (../outbox.ts).
 *          Spend caps (../caps.ts, read under the lock): the money a call may take is also at
 *          most the room its caps leave, so a call that would cross a cap is granted up to it.
 * Results: { ok: true, maxSeconds, maxCost, available, grant?, fx?, caps } (available before
 *          this reservation; grant = { grantSeconds, final } in grant mode, absent in single
 *          mode; fx = the exchange the call is priced through, absent when none; caps = the
 *          money caps' room left after this call, for grants during a database outage, absent
 *          when the account has no money cap; a repeat claims no period room)
 *          { ok: false, reason, available }  checked in this order:
 *            BLOCKED  account status is blocked
 *            EXPIRED  a batch card past its expiry (../batches/cards.ts); the first authorised
 *                     call of a card stamps its first use (and a valid-days expiry)
 *            BLOCKEDDEST  the account's or its tariff's prefix rules deny dst (../dest-rules.ts);
 *                     the anomaly stop's probing check may block the account here (../anomaly.ts)
 *            BLOCKED  the anomaly stop's spike check blocked the account just now
 *            LIMIT    live reservations ≥ max_calls
 *            CAP_RATE calls authorised in the last 60 s ≥ calls_per_min
 *            NOFX     the tariff is in another currency than the account and no exchange rate
 *                     of the pair is in force at `start` (../fx.ts); otherwise the rate in force
 *                     is put on the rate snapshot (rate.fx, the CDR's fx_rate/tariff_currency)
 *                     and every money figure below is in the account's currency through it
 *            NOCREDIT available = balance + credit_limit − reserved pays for no billing block
 *            CAP_DAY | CAP_MONTH | CAP_CALL  the money pays for one, the cap's room does not
 *          The same uniqueid again: the first outcome again, nothing written (no double reserve;
 *          a repeated grant-mode grant answers grant null: the call ends at what it holds).
 * One trip: on MariaDB a request with the account its set-up read saw (`seen`) is first tried as
 *          one guarded batch (authorise-one-trip.ts), with the same grant (../authorise-figures.ts).
 * Throws:  StoreError NOT_FOUND (no such account); CONFLICT (the uniqueid was already settled,
 *          or belongs to another account).
 */
import type { Knex } from 'knex';
import {
  capsSnapshotAfter,
  capsSnapshotOf,
  type CapsSnapshot,
  type Money,
} from '../../rating/index.js';
import type { DestRule } from '../../rating/index.js';
import { AUTHORISE_REFUSALS } from '../../session/ports.js';
import type {
  GrantAuthoriseRequest as AuthoriseRequest,
  GrantAuthoriseResult as AuthoriseResult,
} from '../../session/grant-ports.js';
import {
  available,
  lockAccountQuery,
  toAccount,
  writeAccountMoney,
  type AccountRow,
} from '../accounts.js';
import { cdrQuery, insertRefusedCdr, toCdr, type Cdr, type CdrRow } from '../cdrs.js';
import type { Db } from '../db.js';
import { StoreError } from '../errors.js';
import { probingStop, spikeStop } from '../anomaly.js';
import { capsQuery, checkCaps, emitCapHit, toCaps } from '../caps.js';
import { destinationPermitted, destRuleQueries } from '../dest-rules.js';
import { chargingIn, writeGrantOnCdr } from '../grants.js';
import { fxForCall } from '../fx.js';
import { deferred, readTogether } from '../mysql-client.js';
import {
  activation,
  cardExpired,
  cardExpiredEvent,
  cardQuery,
  cardSecondsLeft,
  type CardRow,
} from '../batches/cards.js';
import { holdCall } from '../hold-call.js';
import { grantFigures } from '../authorise-figures.js';
import { authoriseOneTrip } from './authorise-one-trip.js';
import { countReservations, reservationByUniqueid } from '../reservations.js';

type Refusal = Extract<AuthoriseResult, { ok: false }>['reason'];

async function repeated(
  trx: Knex.Transaction,
  req: AuthoriseRequest,
  cdr: Cdr | undefined,
  avail: bigint,
): Promise<AuthoriseResult | undefined> {
  if (!cdr) return undefined;
  if (cdr.accountId !== req.accountId) {
    throw new StoreError(
      'CONFLICT',
      `call ${req.uniqueid} was already recorded for another account`,
    );
  }
  // Two Asterisk boxes can mint the same channel id (same systemname); sharing one reservation would give away credit.
  if (cdr.node !== req.node) {
    throw new StoreError(
      'CONFLICT',
      `call ${req.uniqueid} was already recorded by node ${cdr.node}: give each Asterisk its own systemname`,
    );
  }
  const refusal = AUTHORISE_REFUSALS.find((r) => r === cdr.reason);
  if (refusal) return { ok: false, reason: refusal, available: avail };
  const res = await reservationByUniqueid(trx, req.uniqueid);
  if (cdr.status === 'open' && res)
    return {
      ok: true,
      maxSeconds: res.maxSeconds,
      maxCost: res.maxCost,
      available: avail,
      ...(cdr.rate?.fx ? { fx: cdr.rate.fx } : {}),
    };
  throw new StoreError(
    'CONFLICT',
    `call ${req.uniqueid} was already ${cdr.status === 'open' ? 'released' : 'settled'}`,
  );
}

function capHit(trx: Knex.Transaction, req: AuthoriseRequest, account: string, cap: string) {
  return emitCapHit(trx, { ...req, account, cap });
}

const NO_SPEND = { day: 0n, month: 0n };
/** More than any room: what a snapshot of unknown spend takes off. */
const MAX_ROOM = 1n << 100n;

/**
 * The `caps` of a granted call: the room its money caps leave once it took `taken` (a grant-mode
 * call may extend up to all the money it was allowed: counted as taken). Absent when the account
 * has no money cap, so the answer of an uncapped account is as before.
 */
function capsAfter(s: CapsSnapshot | undefined, taken: Money): { caps?: CapsSnapshot } {
  if (!s || (s.periodRoom === null && s.callMax === null)) return {};
  return { caps: capsSnapshotAfter(s, taken) };
}

export async function authorise(db: Db, req: AuthoriseRequest): Promise<AuthoriseResult> {
  // MariaDB: the ordinary grant in one round trip; anything else (or a guard that fails) here.
  if (db.oneTrip && req.seen) {
    const done = await authoriseOneTrip(db.oneTrip, req);
    if (done) return done;
  }
  return db.tx(async (trx) => {
    // The caps row and the destination rules travel with the lock (after it in the batch).
    const [[row], [cdrRow], capRows, [card], matching, anyAllow] = (await readTogether(trx, [
      lockAccountQuery(trx, req.accountId),
      cdrQuery(trx, req.uniqueid),
      capsQuery(trx, req.accountId),
      cardQuery(trx, req.accountId),
      ...destRuleQueries(trx, req.accountId, req.dst),
    ])) as [AccountRow[], CdrRow[], unknown[], CardRow[], DestRule[], unknown[]];
    if (!row) throw new StoreError('NOT_FOUND', `no account with id ${req.accountId}`);
    const account = toAccount(row);
    const avail = available(account);

    const again = await repeated(trx, req, cdrRow ? toCdr(cdrRow) : undefined, avail);
    // A repeat does not read the spend: the period caps' room is unknown, so none is claimed.
    if (again)
      return again.ok
        ? { ...again, ...capsAfter(capsSnapshotOf(toCaps(capRows[0]), NO_SPEND), MAX_ROOM) }
        : again;

    const refuse = async (reason: Refusal, note?: string): Promise<AuthoriseResult> => {
      await insertRefusedCdr(trx, { ...req, account: account.name, reason, note });
      return { ok: false, reason, available: avail };
    };

    if (account.status === 'blocked') return refuse('BLOCKED');
    const limits = toCaps(capRows[0]);
    const who = {
      accountId: account.id,
      account: account.name,
      cause: req.uniqueid,
      at: req.start,
    };
    if (cardExpired(card, req.start)) {
      await cardExpiredEvent(trx, card, account, req.start);
      return refuse('EXPIRED');
    }
    if (!destinationPermitted(req.dst, matching, anyAllow)) {
      const stopped = await probingStop(trx, limits, who);
      return refuse('BLOCKEDDEST', stopped ? 'anomaly stop: probing' : undefined);
    }
    const live =
      limits.concurrentMax !== null || account.maxCalls !== null
        ? await countReservations(trx, account.id)
        : 0;
    if (await spikeStop(trx, limits, who, live, 1)) return refuse('BLOCKED', 'anomaly stop: spike');
    if (account.maxCalls !== null && live >= account.maxCalls) return refuse('LIMIT');
    const caps = await checkCaps(trx, account, req.start, 0n, true, capRows);
    if (caps?.rateHit) {
      await capHit(trx, req, account.name, 'CAP_RATE');
      return refuse('CAP_RATE');
    }
    const fx = await fxForCall(trx, req.rate, account.currency, req.start);
    if (fx === 'missing')
      return refuse('NOFX', `no exchange rate ${req.rate.currency}→${account.currency} in force`);
    const rate = fx ? { ...req.rate, fx } : req.rate;
    const charging = req.charging ? chargingIn(row, req.charging) : null;
    const g = grantFigures({
      available: avail,
      capRoom: caps?.room?.room ?? null,
      longest: account.maxCallSeconds ?? req.defaultMaxSeconds,
      untilExpiry: cardSecondsLeft(card, req.start),
      charging,
      rate,
      start: req.start,
    });
    if (!g.ok) {
      if (g.why === 'EXPIRED')
        return refuse('EXPIRED', 'the card expires before one billing block');
      if (g.why === 'NOCREDIT' || !caps?.room) return refuse('NOCREDIT');
      await capHit(trx, req, account.name, caps.room.reason);
      return refuse(caps.room.reason);
    }
    const { maxSeconds, maxCost, grant, money } = g;
    await holdCall(trx, {
      ...req,
      rate,
      accountId: account.id,
      account: account.name,
      maxSeconds,
      maxCost,
    });
    const firstUse = activation(trx, account.id, card, req.start);
    if (firstUse) await deferred(firstUse);
    if (grant) await writeGrantOnCdr(trx, req.uniqueid, { grants: 1, maxSeconds, maxCost });
    await writeAccountMoney(
      trx,
      account.id,
      { balance: account.balance, reserved: account.reserved + maxCost },
      new Date(),
    );
    return {
      ok: true,
      maxSeconds,
      maxCost,
      available: avail,
      ...(grant ? { grant } : {}),
      ...(fx ? { fx } : {}),
      ...capsAfter(caps?.snapshot, grant && !grant.final ? money : maxCost),
    };
  });
}

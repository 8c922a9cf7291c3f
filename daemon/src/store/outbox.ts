/**
 * The astoutbox table: events written by the money transactions IN their transaction (so there is
 * never an event without its money change, nor the change without its event), delivered later by
 * the daemon's worker (../notify/webhook-worker.ts). The idempotency key is derived from what
 * caused the event, so a transaction re-run (deadlock retry) cannot write it twice.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { formatMoney, moneyFromDb, type Money } from '../rating/index.js';
import { queuesMail, type Db } from './db.js';
import { deferred } from './mysql-client.js';
import { recordAudit, type Actor } from './operators/audit.js';
import { fromDbTime, requiredTime, toDbTime } from './time.js';

export const EVENT_KINDS = [
  'cap_hit',
  'low_balance',
  'credit_exhausted',
  'large_topup',
  'account.auto_blocked',
  'card.expired',
  'voucher_redeemed',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** How an event goes out: each channel has its own row (attempts, backoff, dead state). */
export const CHANNELS = ['webhook', 'mail'] as const;
export type Channel = (typeof CHANNELS)[number];

/** The kinds also sent as e-mail to the operator (notify/mail-transport.ts): the ones a person acts on. */
export const MAIL_KINDS: readonly EventKind[] = [
  'low_balance',
  'credit_exhausted',
  'large_topup',
  'account.auto_blocked',
  'card.expired',
];
export type EventState = 'pending' | 'sent' | 'dead';

export interface OutboxEvent {
  id: number;
  key: string;
  accountId: number | null;
  kind: EventKind;
  channel: Channel;
  payload: Record<string, unknown>;
  state: EventState;
  attempts: number;
  nextAt: Date;
  lastError: string | null;
  created: Date;
  sentAt: Date | null;
}

interface OutboxRow {
  id: number | string;
  idem_key: string;
  account_id: number | string | null;
  kind: EventKind;
  channel?: Channel | null;
  payload: string;
  state: EventState;
  attempts: number | string;
  next_at: unknown;
  last_error: string | null;
  created: unknown;
  sent_at: unknown;
}

function toEvent(r: OutboxRow): OutboxEvent {
  return {
    id: Number(r.id),
    key: r.idem_key,
    accountId: r.account_id === null ? null : Number(r.account_id),
    kind: r.kind,
    channel: r.channel ?? 'webhook',
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    state: r.state,
    attempts: Number(r.attempts),
    nextAt: requiredTime(r.next_at),
    lastError: r.last_error,
    created: requiredTime(r.created),
    sentAt: fromDbTime(r.sent_at),
  };
}

/** Money in an event payload: a decimal string. */
export const eventMoney = (m: Money): string => formatMoney(m, 2);

/**
 * Writes one event inside the caller's transaction. `cause` names what caused it uniquely (e.g.
 * the call's uniqueid): the same kind and cause again is the same event (not written twice).
 * A MAIL_KINDS event gets a second row on the 'mail' channel, with its own key, when the store
 * was opened with a mail transport configured (db.ts OpenDbOptions.mail): without one no row is
 * queued that nothing would send.
 */
export async function emitEvent(
  trx: Knex.Transaction,
  e: { kind: EventKind; cause: string; accountId: number | null; at: Date; data: object },
): Promise<void> {
  const key = createHash('sha256').update(`${e.kind}\n${e.cause}`).digest('hex');
  const at = toDbTime(e.at);
  const payload = JSON.stringify({ kind: e.kind, at: e.at.toISOString(), ...e.data });
  const row = (channel: Channel, idem: string) => ({
    idem_key: idem,
    channel,
    account_id: e.accountId,
    kind: e.kind,
    payload,
    state: 'pending',
    attempts: 0,
    next_at: at,
    created: at,
  });
  const rows = [row('webhook', key)];
  if (MAIL_KINDS.includes(e.kind) && queuesMail(trx))
    rows.push(row('mail', createHash('sha256').update(`${key}\nmail`).digest('hex')));
  await deferred(trx('astoutbox').insert(rows).onConflict('idem_key').ignore());
}

/** The account's alert thresholds (astcap low_balance, large_topup), read in the caller's transaction. */
export async function thresholds(
  trx: Knex,
  accountId: number,
): Promise<{ lowBalance: Money | null; largeTopup: Money | null }> {
  const row = (await trx('astcap')
    .where({ account_id: accountId })
    .first('low_balance', 'large_topup')) as
    { low_balance: unknown; large_topup: unknown } | undefined;
  const m = (v: unknown) => (v === null || v === undefined ? null : moneyFromDb(v));
  return { lowBalance: m(row?.low_balance), largeTopup: m(row?.large_topup) };
}

/** Balance events of a settlement: below the low-balance threshold, and credit gone (≤ 0). */
export async function emitBalanceEvents(
  trx: Knex.Transaction,
  a: {
    id: number;
    name: string;
    before: Money;
    after: Money;
    cause: string;
    at: Date;
    lowBalance: Money | null;
  },
): Promise<void> {
  if (a.after >= a.before) return;
  const data = { account: a.name, balance: eventMoney(a.after), cause: a.cause };
  if (a.before > 0n && a.after <= 0n)
    await emitEvent(trx, {
      kind: 'credit_exhausted',
      cause: a.cause,
      accountId: a.id,
      at: a.at,
      data,
    });
  const { lowBalance } = a;
  if (lowBalance !== null && a.before >= lowBalance && a.after < lowBalance)
    await emitEvent(trx, {
      kind: 'low_balance',
      cause: a.cause,
      accountId: a.id,
      at: a.at,
      data: { ...data, threshold: eventMoney(lowBalance) },
    });
}

/** Pending events of `channel` due at `now`, oldest first. */
export async function dueEvents(
  q: Knex,
  now: Date,
  limit: number,
  channel: Channel = 'webhook',
): Promise<OutboxEvent[]> {
  const rows = (await q('astoutbox')
    .where({ state: 'pending', channel })
    .where('next_at', '<=', toDbTime(now))
    .orderBy('id')
    .limit(limit)) as OutboxRow[];
  return rows.map(toEvent);
}

/**
 * Takes a due event for one delivery attempt until `until` (compare-and-set on next_at): of
 * several daemons polling, only one gets it; if that one dies, the event is due again then.
 */
export async function claimEvent(q: Knex, e: OutboxEvent, until: Date): Promise<boolean> {
  const n = await q('astoutbox')
    .where({ id: e.id, state: 'pending', next_at: toDbTime(e.nextAt) })
    .update({ next_at: toDbTime(until) });
  return n === 1;
}

export async function recordDelivery(
  q: Knex,
  id: number,
  r: { ok: true; at: Date } | { ok: false; attempts: number; nextAt: Date | null; error: string },
): Promise<void> {
  if (r.ok) {
    await q('astoutbox')
      .where({ id })
      .update({
        state: 'sent',
        sent_at: toDbTime(r.at),
        last_error: null,
        attempts: q.raw('attempts + 1'),
      });
    return;
  }
  await q('astoutbox')
    .where({ id })
    .update({
      state: r.nextAt ? 'pending' : 'dead',
      attempts: r.attempts,
      next_at: r.nextAt ? toDbTime(r.nextAt) : q.raw('next_at'),
      last_error: r.error.slice(0, 255),
    });
}

export async function listEvents(
  q: Knex,
  filter: { state?: EventState; account?: string; channel?: Channel; limit?: number } = {},
): Promise<OutboxEvent[]> {
  let query = q('astoutbox').select('astoutbox.*');
  if (filter.channel) query = query.where('astoutbox.channel', filter.channel);
  if (filter.state) query = query.where('astoutbox.state', filter.state);
  if (filter.account)
    query = query.where(
      'astoutbox.account_id',
      q('astaccount').select('id').where({ name: filter.account }),
    );
  const rows = (await query
    .orderBy('astoutbox.id', 'desc')
    .limit(filter.limit ?? 100)) as OutboxRow[];
  return rows.map(toEvent);
}

/**
 * Makes an event (sent or dead) due again now, its attempts reset; false when there is none.
 * With an actor, audited as 'event.resend' in the same transaction (a resend can repeat a
 * customer-visible notification).
 */
export async function resendEvent(db: Db, id: number, now: Date, actor?: Actor): Promise<boolean> {
  return db.tx(async (trx) => {
    const row = (await trx('astoutbox').where({ id }).first()) as OutboxRow | undefined;
    if (!row) return false;
    await trx('astoutbox')
      .where({ id })
      .update({ state: 'pending', attempts: 0, next_at: toDbTime(now), last_error: null });
    if (actor)
      await recordAudit(trx, {
        actor,
        action: 'event.resend',
        target: `event:${id}`,
        before: {
          kind: row.kind,
          state: row.state,
          attempts: Number(row.attempts),
          lastError: row.last_error ?? null,
        },
        after: { kind: row.kind, state: 'pending', attempts: 0 },
        at: now,
      });
    return true;
  });
}

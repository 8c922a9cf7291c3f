/**
 * Prepaid card batches: N calling-card accounts made in ONE transaction (all or none), each with
 * a PIN from the CSPRNG, unique across every account (astaccount.pin_hash is UNIQUE; the batch
 * checks against it first), its opening balance booked to the ledger, and its astcard row. The
 * plaintext PINs are returned once, to be shown or exported by the caller; only their HMAC is
 * stored. Card states: new → active (first authorised call) → depleted (no money) / expired.
 *
 * Expiry (enforced by tx/authorise, refusal EXPIRED): `expires` is a fixed end for the whole
 * batch; `validDays` counts from a card's first call (so a card sold late is not shortened). With
 * both, whichever comes first. A call never talks past it: authorise and each grant extension
 * (tx/extend) take the time left until it as the longest call, so a call on a card that expires
 * meanwhile ends at the last billing boundary at or before the expiry (cardSecondsLeft).
 */
import type { Knex } from 'knex';
import { CURRENCY, formatMoney, type Money } from '../../rating/index.js';
import type { Db } from '../db.js';
import { StoreError, amountProblem } from '../errors.js';
import { recordAudit, type Actor } from '../operators/audit.js';
import { emitEvent } from '../outbox.js';
import type { PinHasher } from '../pin.js';
import { tariffExists } from '../rates.js';
import { fromDbTime, toDbTime } from '../time.js';
import { batchById, insertBatch, type Batch } from './batch-records.js';
import { uniqueSecrets } from './secrets.js';

export interface NewCardBatch {
  count: number;
  value: Money;
  tariff: string;
  currency?: string | undefined;
  expires?: Date | null | undefined;
  validDays?: number | null | undefined;
  /** Account names are `<prefix>-<batch>-<n>`; default 'card'. */
  prefix?: string | undefined;
  /** Digits per PIN; default 12, at least 10 (and at least ASTBILL_PIN_MIN_LENGTH). */
  pinLength?: number | undefined;
  operator: Actor;
}

export interface CardBatch {
  batch: Batch;
  /** The only time the PINs exist in plain text. */
  cards: Array<{ account: string; pin: string }>;
}

export const MAX_BATCH = 10_000;
export const DEFAULT_CARD_PIN_LENGTH = 12;
const CHUNK = 200;

export function prefixProblem(prefix: string): string | undefined {
  return /^[A-Za-z0-9_.]{1,40}$/.test(prefix)
    ? undefined
    : 'a prefix must be 1-40 letters, digits, _ or .';
}

function validate(b: NewCardBatch, pinMin: number, now: Date): void {
  const pinLength = b.pinLength ?? DEFAULT_CARD_PIN_LENGTH;
  const problem = [
    !Number.isInteger(b.count) || b.count < 1 || b.count > MAX_BATCH
      ? `count must be 1..${MAX_BATCH}`
      : undefined,
    b.value <= 0n ? 'a card value must be > 0' : amountProblem('value', b.value),
    !Number.isInteger(pinLength) || pinLength < Math.max(10, pinMin) || pinLength > 20
      ? `a batch PIN must be ${Math.max(10, pinMin)} to 20 digits`
      : undefined,
    b.expires && b.expires.getTime() <= now.getTime()
      ? 'the expiry must be in the future'
      : undefined,
    b.validDays != null && (!Number.isInteger(b.validDays) || b.validDays < 1 || b.validDays > 3650)
      ? 'valid days must be 1..3650'
      : undefined,
    b.currency !== undefined && !CURRENCY.test(b.currency)
      ? 'currency must be a 3-letter code such as EUR'
      : undefined,
    prefixProblem(b.prefix ?? 'card'),
  ].find((p) => p !== undefined);
  if (problem) throw new StoreError('INVALID', problem);
}

export async function generateCards(
  db: Db,
  b: NewCardBatch,
  hashPin: PinHasher,
  pinMin: number,
  now: Date = new Date(),
): Promise<CardBatch> {
  validate(b, pinMin, now);
  const currency = b.currency ?? 'EUR';
  const prefix = b.prefix ?? 'card';
  return db.tx(async (trx) => {
    if (!(await tariffExists(trx, b.tariff)))
      throw new StoreError('UNKNOWN_TARIFF', `unknown tariff '${b.tariff}': it has no rates`);
    const pins = await uniqueSecrets(
      b.count,
      b.pinLength ?? DEFAULT_CARD_PIN_LENGTH,
      hashPin,
      async (hashes) =>
        new Set(
          (
            (await trx('astaccount').whereIn('pin_hash', hashes).select('pin_hash')) as Array<{
              pin_hash: string;
            }>
          ).map((r) => r.pin_hash),
        ),
    );
    const id = await insertBatch(trx, {
      kind: 'card',
      created: now,
      value: b.value,
      currency,
      count: b.count,
      tariff: b.tariff,
      expires: b.expires ?? null,
      validDays: b.validDays ?? null,
      prefix,
      operator: b.operator,
    });
    const width = String(b.count).length;
    const cards = pins.map((p, i) => ({
      account: `${prefix}-${id}-${String(i + 1).padStart(width, '0')}`,
      pin: p.plain,
      hash: p.hash,
    }));
    const stamp = toDbTime(now);
    for (let i = 0; i < cards.length; i += CHUNK) {
      await insertChunk(trx, cards.slice(i, i + CHUNK), { b, id, currency, stamp });
    }
    await recordAudit(trx, {
      actor: b.operator,
      action: 'cards.generate',
      target: `batch:${id}`,
      before: null,
      after: {
        count: b.count,
        value: formatMoney(b.value),
        currency,
        tariff: b.tariff,
        expires: b.expires?.toISOString() ?? null,
        validDays: b.validDays ?? null,
      },
      at: now,
    });
    return {
      batch: (await batchById(trx, 'card', id))!,
      cards: cards.map(({ account, pin }) => ({ account, pin })),
    };
  });
}

async function insertChunk(
  trx: Knex.Transaction,
  cards: Array<{ account: string; hash: string }>,
  o: { b: NewCardBatch; id: number; currency: string; stamp: string },
): Promise<void> {
  const names = cards.map((c) => c.account);
  if ((await trx('astaccount').whereIn('name', names).first('id')) !== undefined)
    throw new StoreError('DUPLICATE', `an account named like '${names[0]}' exists already`);
  await trx('astaccount').insert(
    cards.map((c) => ({
      name: c.account,
      pin_hash: c.hash,
      status: 'active',
      balance: o.b.value,
      reserved: 0n,
      credit_limit: 0n,
      currency: o.currency,
      tariff: o.b.tariff,
      max_calls: null,
      max_seconds: null,
      created: o.stamp,
      updated: o.stamp,
    })),
  );
  const rows = (await trx('astaccount').whereIn('name', names).select('id')) as Array<{
    id: number | string;
  }>;
  const expires = o.b.expires ? toDbTime(o.b.expires) : null;
  await trx('astcard').insert(
    rows.map((r) => ({ account_id: Number(r.id), batch_id: o.id, first_used: null, expires })),
  );
  await trx('astledger').insert(
    rows.map((r) => ({
      account_id: Number(r.id),
      kind: 'topup',
      amount: o.b.value,
      balance_after: o.b.value,
      reference: null,
      note: `card batch ${o.id}`,
      created: o.stamp,
    })),
  );
}

// --- expiry, read and written by tx/authorise under the account lock ------------------------

export interface CardRow {
  first_used: unknown;
  expires: unknown;
  valid_days: number | string | null;
}

/** The card facts of an account (no rows: not a batch card), to read with the account lock. */
export function cardQuery(trx: Knex.Transaction, accountId: number): Knex.QueryBuilder {
  return trx('astcard')
    .join('astbatch', 'astbatch.id', 'astcard.batch_id')
    .where('astcard.account_id', accountId)
    .select('astcard.first_used', 'astcard.expires', 'astbatch.valid_days');
}

/** True when the card may no longer be used at `at`. */
export function cardExpired(card: CardRow | undefined, at: Date): boolean {
  const expires = card ? fromDbTime(card.expires) : null;
  return expires !== null && expires.getTime() <= at.getTime();
}

/** The operator hears of an expired card once: the event's cause is the card, not the call. */
export function cardExpiredEvent(
  trx: Knex.Transaction,
  card: CardRow | undefined,
  account: { id: number; name: string },
  at: Date,
): Promise<void> {
  return emitEvent(trx, {
    kind: 'card.expired',
    cause: `card:${account.id}`,
    accountId: account.id,
    at,
    data: { account: account.name, expires: fromDbTime(card?.expires)?.toISOString() ?? null },
  });
}

/**
 * The card's expiry as of a call at `at`: the stored one, or for a card not used yet the one its
 * first use (`at`) gives it (first use + valid days when that is earlier than the batch's).
 */
export function cardExpiry(card: CardRow | undefined, at: Date): Date | null {
  if (!card) return null;
  const fixed = fromDbTime(card.expires);
  if (card.first_used !== null) return fixed;
  const days = card.valid_days === null ? null : Number(card.valid_days);
  const rolling = days === null ? null : new Date(at.getTime() + days * 86_400_000);
  return rolling && (!fixed || rolling.getTime() < fixed.getTime()) ? rolling : (fixed ?? null);
}

/**
 * Whole seconds a call talking from `from` may talk before the card expires (null: no expiry,
 * or not a card); the longest-call cap of authorise and extend.
 */
export function cardSecondsLeft(
  card: CardRow | undefined,
  from: Date,
  at: Date = from,
): number | null {
  const expires = cardExpiry(card, at);
  return expires ? Math.max(0, Math.floor((expires.getTime() - from.getTime()) / 1000)) : null;
}

/**
 * First use (the card's first authorised call): stamps it and, with valid days, moves the expiry
 * to first use + valid days when that is earlier than the batch's. Nothing for a used card.
 */
export function activation(
  trx: Knex.Transaction,
  accountId: number,
  card: CardRow | undefined,
  at: Date,
): Knex.QueryBuilder | null {
  if (!card || card.first_used !== null) return null;
  const expires = cardExpiry(card, at);
  return trx('astcard')
    .where({ account_id: accountId })
    .update({ first_used: toDbTime(at), expires: expires ? toDbTime(expires) : null });
}

/**
 * The one presenter of card and voucher batches, shared by the API (`/cards`, `/vouchers`) and
 * the CLI (`astbill cards|vouchers --json`). Money goes through the caller's formatter, as in
 * cdr-fields.ts: each output keeps its own number of decimals.
 */
import { formatMoney, type Money } from './rating/index.js';
import type { Batch, BatchDetails, CardBatch, VoucherBatch } from './store/batches/index.js';

export function batchFields(b: Batch | BatchDetails, money: (m: Money) => string) {
  return {
    id: b.id,
    kind: b.kind,
    created: b.created.toISOString(),
    value: money(b.value),
    currency: b.currency,
    count: b.count,
    tariff: b.tariff,
    expires: b.expires?.toISOString() ?? null,
    validDays: b.validDays,
    prefix: b.prefix,
    operator: b.operator,
    state: b.state,
    ...('states' in b ? { states: b.states } : {}),
  };
}

/**
 * The secrets of a batch just made, the only time they exist in plain text, as the CSV both the
 * API (`POST /cards`, `/vouchers`) and the CLI (`astbill cards|vouchers generate`) write: one
 * row a card (account, PIN) or voucher (code), all 5 decimals of the value.
 */
export function batchSecrets(made: CardBatch | VoucherBatch): {
  headers: string[];
  rows: Array<Array<string | number>>;
} {
  const { batch } = made;
  const [value, expires] = [formatMoney(batch.value), batch.expires?.toISOString() ?? ''];
  if ('cards' in made)
    return {
      headers: ['account', 'pin', 'value', 'currency', 'expires', 'valid_days', 'batch'],
      rows: made.cards.map((c) => [
        c.account,
        c.pin,
        value,
        batch.currency,
        expires,
        batch.validDays ?? '',
        batch.id,
      ]),
    };
  return {
    headers: ['code', 'value', 'currency', 'expires', 'batch'],
    rows: made.codes.map((c) => [c, value, batch.currency, expires, batch.id]),
  };
}

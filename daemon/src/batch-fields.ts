/**
 * The one presenter of card and voucher batches, shared by the API (`/cards`, `/vouchers`) and
 * the CLI (`astbill cards|vouchers --json`). Money goes through the caller's formatter, as in
 * cdr-fields.ts: each output keeps its own number of decimals.
 */
import type { Money } from './rating/index.js';
import type { Batch, BatchDetails } from './store/batches/index.js';

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

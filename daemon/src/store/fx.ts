/**
 * Currencies: a tariff's currency (asttariff; no row: it prices in each account's currency, as
 * before) and the exchange rates with their effective times (astfx). authorise reads the rate in
 * force at the call's authorisation (fxAt) and snapshots it on the CDR; nothing else converts.
 */
import type { Knex } from 'knex';
import { CURRENCY, formatFxRate, parseFxRate, type FxRate, type RateFx } from '../rating/index.js';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { recordAudit, type Actor } from './operators/audit.js';
import { tariffProblem } from './rate-rows.js';
import { requiredTime, toDbTime } from './time.js';

export interface FxEntry {
  base: string;
  quote: string;
  rate: FxRate;
  effectiveFrom: Date;
}

export interface TariffCurrency {
  tariff: string;
  currency: string;
}

interface FxRow {
  base: string;
  quote: string;
  rate: string;
  effective_from: unknown;
}

const toEntry = (r: FxRow): FxEntry => ({
  base: r.base,
  quote: r.quote,
  rate: parseFxRate(r.rate),
  effectiveFrom: requiredTime(r.effective_from),
});

export function currencyProblem(code: string): string | undefined {
  return CURRENCY.test(code)
    ? undefined
    : `'${code}' is not a currency code (three capital letters, ISO 4217)`;
}

/** Sets (or replaces, for the same pair and instant) an exchange rate, audited. */
export async function setFxRate(db: Db, e: FxEntry, actor?: Actor): Promise<void> {
  const problem =
    currencyProblem(e.base) ??
    currencyProblem(e.quote) ??
    (e.base === e.quote ? 'an exchange rate needs two different currencies' : undefined) ??
    (Number.isNaN(e.effectiveFrom.getTime()) ? 'invalid effective time' : undefined) ??
    (e.rate.num <= 0n ? 'an exchange rate must be above zero' : undefined);
  if (problem) throw new StoreError('INVALID', problem);
  const row = {
    base: e.base,
    quote: e.quote,
    rate: formatFxRate(e.rate),
    effective_from: toDbTime(e.effectiveFrom),
  };
  await db.tx(async (trx) => {
    const key = { base: e.base, quote: e.quote, effective_from: row.effective_from };
    const before = (await trx('astfx').where(key).first('rate')) as { rate: string } | undefined;
    if (before) await trx('astfx').where(key).update({ rate: row.rate });
    else await trx('astfx').insert({ ...row, created: toDbTime(new Date()) });
    if (actor)
      await recordAudit(trx, {
        actor,
        action: 'fx.set',
        target: `fx:${e.base}/${e.quote}@${e.effectiveFrom.toISOString()}`,
        before: before ? { rate: before.rate } : null,
        after: { rate: row.rate },
      });
  });
}

/** Every exchange rate, by pair then effective time. */
export async function listFxRates(q: Knex): Promise<FxEntry[]> {
  const rows = (await q('astfx').orderBy([
    { column: 'base' },
    { column: 'quote' },
    { column: 'effective_from' },
  ])) as FxRow[];
  return rows.map(toEntry);
}

/** The rate of `base` in `quote` in force at `at` (the latest effective_from ≤ at). */
export async function fxAt(
  q: Knex,
  base: string,
  quote: string,
  at: Date,
): Promise<FxRate | undefined> {
  const row = (await q('astfx')
    .where({ base, quote })
    .where('effective_from', '<=', toDbTime(at))
    .orderBy('effective_from', 'desc')
    .first()) as FxRow | undefined;
  return row ? parseFxRate(row.rate) : undefined;
}

/**
 * What a call on `rate` by an account in `accountCurrency` converts with at `at`: null when the
 * tariff prices in the account's currency (no conversion), 'missing' when no rate is in force.
 */
export async function fxForCall(
  q: Knex,
  rate: { currency?: string | null },
  accountCurrency: string,
  at: Date,
): Promise<RateFx | null | 'missing'> {
  const currency = rate.currency;
  if (!currency || currency === accountCurrency) return null;
  const fx = await fxAt(q, currency, accountCurrency, at);
  return fx ? { currency, rate: fx } : 'missing';
}

/** Sets a tariff's currency (null: it prices in each account's currency again), audited. */
export async function setTariffCurrency(
  db: Db,
  tariff: string,
  currency: string | null,
  actor?: Actor,
): Promise<void> {
  const problem =
    tariffProblem(tariff) ?? (currency === null ? undefined : currencyProblem(currency));
  if (problem) throw new StoreError('INVALID', problem);
  await db.tx(async (trx) => {
    const before = (await trx('asttariff').where({ tariff }).first('currency')) as
      { currency: string } | undefined;
    await trx('asttariff').where({ tariff }).delete();
    if (currency !== null) await trx('asttariff').insert({ tariff, currency });
    if (actor)
      await recordAudit(trx, {
        actor,
        action: 'tariff.currency',
        target: `tariff:${tariff}`,
        before: before ? { currency: before.currency } : null,
        after: currency === null ? null : { currency },
      });
  });
}

export async function listTariffCurrencies(q: Knex): Promise<TariffCurrency[]> {
  return (await q('asttariff').orderBy('tariff').select('tariff', 'currency')) as TariffCurrency[];
}

/** The tariff's currency as a column of a query of astrate rows (`tariff_currency`, NULL: none). */
export function tariffCurrencyColumn(q: Knex): Knex.QueryBuilder {
  return q('asttariff')
    .select('currency')
    .where('asttariff.tariff', q.ref('astrate.tariff'))
    .as('tariff_currency');
}

/**
 * Exchange rates, exactly: a rate is a decimal string (1 base = rate quote), held as the rational
 * num/den of integers, so a conversion is integer maths. An amount is converted once per call
 * (the call's whole cost, never per block), rounded half-up at the minor unit of the target
 * currency; a negative amount rounds half away from zero, so conversion is symmetric.
 *
 * A call on a tariff in another currency than its account's carries the rate it was authorised
 * with (RateFx, on the rate snapshot); fxPricing then prices it in the account's currency at
 * every step, so nothing else needs to know about currencies.
 */
import type { Money } from './money.js';
import type { Pricing } from './grants.js';

export interface FxRate {
  /** 1 unit of the base currency = num/den units of the quote currency (den a power of ten). */
  num: bigint;
  den: bigint;
}

const DECIMAL = /^(\d{1,12})(?:\.(\d{1,12}))?$/;

/** Parses "1.0845" into 10845/10000; refuses zero, a sign, exponents and over 12+12 digits. */
export function parseFxRate(text: string): FxRate {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new RangeError(`'${text}' is not an exchange rate (a positive decimal)`);
  const frac = m[2] ?? '';
  const num = BigInt(m[1]! + frac);
  if (num === 0n) throw new RangeError('an exchange rate must be above zero');
  return { num, den: 10n ** BigInt(frac.length) };
}

/** The rate as the decimal string it was written as (trailing zeros of the fraction kept). */
export function formatFxRate(r: FxRate): string {
  const digits = r.den.toString().length - 1;
  const s = r.num.toString().padStart(digits + 1, '0');
  return digits === 0 ? s : `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

/** `amount` (minor units of the base currency) in the quote currency, rounded half-up once. */
export function convert(amount: Money, r: FxRate): Money {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const scaled = abs * r.num;
  const q = scaled / r.den;
  const rounded = (scaled % r.den) * 2n >= r.den ? q + 1n : q;
  return negative ? -rounded : rounded;
}

/** A currency code as the store keeps it: ISO 4217, three capital letters. */
export const CURRENCY = /^[A-Z]{3}$/;

/** The exchange a call was authorised with: its tariff's currency, 1 of it = `rate` of the account's. */
export interface RateFx {
  /** The tariff's currency (the account's currency is the account's). */
  currency: string;
  rate: FxRate;
}

/**
 * The largest amount of the base currency that converts to at most `available` (-1 when even 0
 * does not, i.e. available < 0). round(c·num/den) ≤ A ⇔ c·num/den < A + ½ ⇔ 2c·num ≤ (2A+1)·den − 1.
 */
export function largestConvertible(available: Money, r: FxRate): Money {
  if (available < 0n) return -1n;
  return ((2n * available + 1n) * r.den - 1n) / (2n * r.num);
}

/**
 * `tariff` (priced in the tariff's currency) priced in the account's currency: the cost converted
 * once for the whole call, and the longest affordable time that of the largest tariff amount that
 * converts to at most the money (convert is monotone, so that is exact and maximal).
 */
export function fxPricing(tariff: Pricing, r: FxRate): Pricing {
  return {
    cost: (s) => convert(tariff.cost(s), r),
    maxAffordable: (available, cap) => tariff.maxAffordable(largestConvertible(available, r), cap),
  };
}

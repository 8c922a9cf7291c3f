import type { Money } from './money.js';
import type { Rate } from './rate.js';

type Tariffing = Pick<
  Rate,
  'ratePerMin' | 'connectFee' | 'initialSecs' | 'incrementSecs' | 'minSecs'
>;

/** The first billing boundary: what a one-second call is billed as. */
export function firstBoundary(r: Tariffing): number {
  return billedSeconds(r, 1);
}

/**
 * Seconds the tariff bills for `billsec` seconds of talk: the minimum applies first, then the
 * initial block, then whole increments (60/6: 1..60 → 60, 61 → 66, 95 → 96). 0 s bills 0.
 */
export function billedSeconds(r: Tariffing, billsec: number): number {
  if (!Number.isInteger(billsec) || billsec < 0)
    throw new RangeError(`billsec must be a whole number ≥ 0, got ${billsec}`);
  if (billsec === 0) return 0;
  const s = Math.max(billsec, r.minSecs);
  if (s <= r.initialSecs) return r.initialSecs;
  return r.initialSecs + Math.ceil((s - r.initialSecs) / r.incrementSecs) * r.incrementSecs;
}

/** Price of billed seconds, rounded up to the next minor unit (the operator never undercharges). */
export function priceOfSeconds(r: Tariffing, seconds: number): Money {
  const numerator = r.ratePerMin * BigInt(seconds);
  return (numerator + 59n) / 60n;
}

/** Cost of a call that talked `billsec` seconds: connection fee + billed seconds at the rate. 0 s costs nothing. */
export function callCost(r: Tariffing, billsec: number): Money {
  const billed = billedSeconds(r, billsec);
  if (billed === 0) return 0n;
  return r.connectFee + priceOfSeconds(r, billed);
}

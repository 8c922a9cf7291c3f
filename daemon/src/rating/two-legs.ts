/**
 * Callback calls bill two legs (A, called first, and B) for one common talk time: the longest
 * duration T whose combined cost fits the account's money.
 */
import type { Money } from './money.js';
import type { Rate } from './rate.js';
import { callCost, firstBoundary } from './cost.js';

type Tariffing = Pick<
  Rate,
  'ratePerMin' | 'connectFee' | 'initialSecs' | 'incrementSecs' | 'minSecs'
>;

/** Whether `s` is a billing boundary of the tariff (its cost steps up right after it). */
export function isBillingBoundary(r: Tariffing, s: number): boolean {
  const b0 = firstBoundary(r);
  return s === b0 || (s > b0 && (s - b0) % r.incrementSecs === 0);
}

/**
 * The longest common duration T ≤ capSecs with callCost(a, T) + callCost(b, T) ≤ available,
 * exactly; 0 when not even one second fits. Unless it is the cap, T is a billing boundary of at
 * least one leg (a longer T at the same price would fit too). Monotone in `available` and `capSecs`.
 */
export function maxAffordableSecondsTwoLegs(
  a: Tariffing,
  b: Tariffing,
  available: Money,
  capSecs: number,
): number {
  if (!Number.isInteger(capSecs) || capSecs < 0)
    throw new RangeError(`cap must be a whole number ≥ 0, got ${capSecs}`);
  if (capSecs === 0 || available < 0n) return 0;
  const fits = (t: number): boolean => callCost(a, t) + callCost(b, t) <= available;
  if (!fits(1)) return 0;
  // cost is non-decreasing in t: binary search for the largest t ≤ cap that fits.
  let lo = 1;
  let hi = capSecs;
  if (fits(hi)) lo = hi;
  else {
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
  }
  // Both costs are flat between billing boundaries (they step right after one), so `lo` is the
  // cap or the last second before a step: a billing boundary of at least one leg.
  return lo;
}

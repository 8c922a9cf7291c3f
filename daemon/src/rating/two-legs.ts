/**
 * Callback calls bill two legs (A, called first, and B) for one common talk time: the longest
 * duration T whose combined cost fits the account's money.
 */
import type { Money } from './money.js';
import type { Rate } from './rate.js';
import { firstBoundary } from './cost.js';
import { flatPricing, type Pricing } from './grants.js';

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
  return maxAffordableSecondsTwoLegsPriced(flatPricing(a), flatPricing(b), available, capSecs);
}

/**
 * maxAffordableSecondsTwoLegs with each leg priced by its Pricing (rating/pricing.ts pricingOf:
 * flat, or time bands from the leg's answer). Only needs each cost to be non-decreasing.
 */
export function maxAffordableSecondsTwoLegsPriced(
  a: Pick<Pricing, 'cost'>,
  b: Pick<Pricing, 'cost'>,
  available: Money,
  capSecs: number,
): number {
  if (!Number.isInteger(capSecs) || capSecs < 0)
    throw new RangeError(`cap must be a whole number ≥ 0, got ${capSecs}`);
  if (capSecs === 0 || available < 0n) return 0;
  const fits = (t: number): boolean => a.cost(t) + b.cost(t) <= available;
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

/**
 * Leg B's time once B answers, `ringSecs` whole seconds after A did (the PortaSIP callback rule:
 * B is authorised from A's time). Both legs end at the same instant, so A talks ringSecs + T_B:
 * the longest T_B with callCost(a, ringSecs + T_B) + callCost(b, T_B) ≤ available and
 * ringSecs + T_B ≤ capSecs (the longest call applies to each leg, A's the longer). 0 when not one
 * second of B fits. Unless a cap binds, ringSecs + T_B or T_B is a billing boundary of a leg.
 */
export function bLegSecondsAfterRing(
  a: Tariffing,
  b: Tariffing,
  available: Money,
  ringSecs: number,
  capSecs: number,
): number {
  return bLegSecondsAfterRingPriced(flatPricing(a), flatPricing(b), available, ringSecs, capSecs);
}

/** bLegSecondsAfterRing with each leg priced by its Pricing (A's from A's answer, B's from B's). */
export function bLegSecondsAfterRingPriced(
  a: Pick<Pricing, 'cost'>,
  b: Pick<Pricing, 'cost'>,
  available: Money,
  ringSecs: number,
  capSecs: number,
): number {
  if (!Number.isInteger(ringSecs) || ringSecs < 0)
    throw new RangeError(`ring time must be a whole number ≥ 0, got ${ringSecs}`);
  if (!Number.isInteger(capSecs) || capSecs < 0)
    throw new RangeError(`cap must be a whole number ≥ 0, got ${capSecs}`);
  const cap = capSecs - ringSecs;
  if (cap < 1 || available < 0n) return 0;
  const fits = (t: number): boolean => a.cost(ringSecs + t) + b.cost(t) <= available;
  if (!fits(1)) return 0;
  if (fits(cap)) return cap;
  // Both costs are non-decreasing in t: the largest t that fits, by bisection.
  let lo = 1;
  let hi = cap;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

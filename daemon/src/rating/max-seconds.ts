import type { Money } from './money.js';
import type { Rate } from './rate.js';
import { callCost, firstBoundary } from './cost.js';

type Tariffing = Pick<
  Rate,
  'ratePerMin' | 'connectFee' | 'initialSecs' | 'incrementSecs' | 'minSecs'
>;

/** Largest billing boundary that is ≤ `cap`; a cap below the first block is returned as is. */
export function boundaryAtOrBelow(r: Tariffing, cap: number): number {
  const b0 = firstBoundary(r);
  if (cap < b0) return cap;
  return b0 + Math.floor((cap - b0) / r.incrementSecs) * r.incrementSecs;
}

/**
 * The longest talk time `available` money pays for: a billing boundary (so that no second
 * granted is billed beyond what was reserved), no more than `capSecs`, with
 * callCost(result) ≤ available exactly. 0 when even the first block is unaffordable.
 */
export function maxAffordableSeconds(r: Tariffing, available: Money, capSecs: number): number {
  if (!Number.isInteger(capSecs) || capSecs < 0)
    throw new RangeError(`cap must be a whole number ≥ 0, got ${capSecs}`);
  if (capSecs === 0) return 0;
  const b0 = firstBoundary(r);
  if (callCost(r, b0) > available) return 0;
  const capped = boundaryAtOrBelow(r, capSecs);
  if (r.ratePerMin === 0n) return capped;
  // cost(b) = fee + ceil(rate·b/60) ≤ available  ⇔  rate·b ≤ 60·(available − fee)  (ceil(x) ≤ n ⇔ x ≤ n).
  const budget = (60n * (available - r.connectFee)) / r.ratePerMin;
  const limit = budget > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(budget);
  const affordable = b0 + Math.floor((limit - b0) / r.incrementSecs) * r.incrementSecs;
  return Math.min(affordable, capped);
}

/** What a grant of `seconds` reserves: the cost of talking all of it. */
export function reservationFor(r: Tariffing, seconds: number): Money {
  return callCost(r, seconds);
}

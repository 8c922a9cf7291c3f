/**
 * Interim grants (online charging, as an SCP does with ApplyCharging): a call is granted talk
 * time in slices. Every granted total is a billing boundary, so the reservation of a granted
 * total is exactly the cost of talking all of it, and the reservation after an extension is
 * callCost(new total) — never more than the money the account had when it was granted.
 */
import type { Money } from './money.js';
import type { Rate } from './rate.js';
import { callCost, firstBoundary } from './cost.js';
import { boundaryAtOrBelow, maxAffordableSeconds } from './max-seconds.js';

type Tariffing = Pick<
  Rate,
  'ratePerMin' | 'connectFee' | 'initialSecs' | 'incrementSecs' | 'minSecs'
>;

/** The smallest billing boundary strictly above `seconds` (the first block for 0). */
export function boundaryAbove(r: Tariffing, seconds: number): number {
  const b0 = firstBoundary(r);
  if (seconds < b0) return b0;
  return b0 + (Math.floor((seconds - b0) / r.incrementSecs) + 1) * r.incrementSecs;
}

/**
 * The total a full next grant asks for: the largest boundary ≤ granted + grantSeconds, but at
 * least the next boundary above `granted` (a grant shorter than a billing block still moves on).
 */
export function grantTarget(r: Tariffing, granted: number, grantSeconds: number): number {
  if (!Number.isInteger(granted) || granted < 0)
    throw new RangeError(`granted must be a whole number ≥ 0, got ${granted}`);
  if (!Number.isInteger(grantSeconds) || grantSeconds < 1)
    throw new RangeError(`a grant must be a whole number ≥ 1 s, got ${grantSeconds}`);
  const b0 = firstBoundary(r);
  const want = granted + grantSeconds;
  const below = want < b0 ? 0 : boundaryAtOrBelow(r, want);
  return Math.max(below, boundaryAbove(r, granted));
}

export interface NextGrant {
  /** The new granted total (seconds since the answer); equals `granted` when nothing more is granted. */
  total: number;
  /** Money to add to the reservation: callCost(total) − held. */
  more: Money;
  /** No further grant will follow: the call is released at `total` (Final-Unit-Indication). */
  final: boolean;
  /** Why the grant is final: the account's money, the call cap, or not final. */
  why: 'credit' | 'cap' | null;
}

/**
 * The next grant of a call that holds `held` (= callCost(granted)) for `granted` seconds, when
 * the account has `available` more (balance + credit − all reservations, this call's included):
 * a full grant when affordable, else the last affordable boundary as the final grant; never past
 * `capSeconds` (the account's or the global longest call). callCost(total) ≤ available + held.
 */
export function nextGrant(r: Tariffing, o: GrantState): NextGrant {
  return nextGrantPriced(r, flatPricing(r), o);
}

export interface GrantState {
  granted: number;
  held: Money;
  available: Money;
  grantSeconds: number;
  capSeconds: number;
}

/** How talk time is priced: by one rate (flatPricing), or by time bands (bands.ts). */
export interface Pricing {
  /** The cost of talking `seconds` (non-decreasing). */
  cost(seconds: number): Money;
  /** The longest boundary ≤ cap whose cost ≤ available (0 when none). */
  maxAffordable(available: Money, capSecs: number): number;
}

export function flatPricing(r: Tariffing): Pricing {
  return {
    cost: (s) => callCost(r, s),
    maxAffordable: (available, cap) => maxAffordableSeconds(r, available, cap),
  };
}

/** nextGrant with the cost given by `p` (the billing boundaries are always r's). */
export function nextGrantPriced(r: Tariffing, p: Pricing, o: GrantState): NextGrant {
  const cap = boundaryAtOrBelow(r, o.capSeconds);
  const target = Math.min(grantTarget(r, o.granted, o.grantSeconds), cap);
  const budget = o.available + o.held;
  const affordable = p.maxAffordable(budget < 0n ? 0n : budget, target);
  const total = Math.max(o.granted, Math.min(affordable, target));
  const more = total > o.granted ? p.cost(total) - o.held : 0n;
  if (total < target) return { total, more, final: true, why: 'credit' };
  if (total >= cap) return { total, more, final: true, why: 'cap' };
  // A full grant fits; if not even one more billing block would fit after it, say so now (so the
  // warning can be played before the end instead of at the next extension).
  const after = p.cost(boundaryAbove(r, total)) - p.cost(total);
  if (after > budget - p.cost(total)) return { total, more, final: true, why: 'credit' };
  return { total, more, final: false, why: null };
}

/** The first grant of a call: nextGrant from nothing held. */
export function firstGrant(
  r: Tariffing,
  o: { available: Money; grantSeconds: number; capSeconds: number },
): NextGrant {
  return nextGrant(r, {
    granted: 0,
    held: 0n,
    available: o.available,
    grantSeconds: o.grantSeconds,
    capSeconds: o.capSeconds,
  });
}

/**
 * The one way a rate prices talk time, flat or in time bands: everything that reserves, extends
 * or settles money asks here, so a banded call is priced by the same function at every step.
 * Bands depend on the instant the talk starts (`answerMs`); a flat rate ignores it.
 */
import type { Money } from './money.js';
import type { Rate } from './rate.js';
import { callCost } from './cost.js';
import { bandShares, bandedPricing, type BandShare, type BandedRate } from './bands.js';
import { flatPricing, type Pricing } from './grants.js';

export type Priced = Pick<
  Rate,
  'ratePerMin' | 'connectFee' | 'initialSecs' | 'incrementSecs' | 'minSecs' | 'banding'
>;

function banded(r: Priced): BandedRate | null {
  if (!r.banding || r.banding.bands.length === 0) return null;
  return { base: r, zone: r.banding.zone, bands: r.banding.bands };
}

/** How `r` prices a call whose talk starts at `answerMs`. */
export function pricingOf(r: Priced, answerMs: number): Pricing {
  const b = banded(r);
  return b ? bandedPricing(b, answerMs) : flatPricing(r);
}

/** The cost of a call answered at `answerMs` that talked `billsec` seconds. */
export function costOf(r: Priced, answerMs: number, billsec: number): Money {
  const b = banded(r);
  return b ? bandedPricing(b, answerMs).cost(billsec) : callCost(r, billsec);
}

/** The cost by band (null for a flat rate): what the CDR keeps to explain a banded charge. */
export function bandSplitOf(r: Priced, answerMs: number, billsec: number): BandShare[] | null {
  const b = banded(r);
  return b ? bandShares(b, answerMs, billsec) : null;
}

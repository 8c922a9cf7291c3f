/**
 * The one way a rate prices talk time, flat or in time bands, in the account's currency:
 * everything that reserves, extends or settles money asks here, so a banded or converted call is
 * priced by the same function at every step. Bands depend on the instant the talk starts
 * (`answerMs`); a flat rate ignores it. A rate that carries an exchange (`fx`, set at
 * authorisation) is priced in its tariff's currency and converted once per call (fx.ts).
 */
import type { Money } from './money.js';
import type { Rate } from './rate.js';
import { bandShares, bandedPricing, type BandShare, type BandedRate } from './bands.js';
import { flatPricing, type Pricing } from './grants.js';
import { fxPricing } from './fx.js';

export type Priced = Pick<
  Rate,
  'ratePerMin' | 'connectFee' | 'initialSecs' | 'incrementSecs' | 'minSecs' | 'banding' | 'fx'
>;

function banded(r: Priced): BandedRate | null {
  if (!r.banding || r.banding.bands.length === 0) return null;
  return { base: r, zone: r.banding.zone, bands: r.banding.bands };
}

/** How `r` prices a call whose talk starts at `answerMs`, in the tariff's own currency. */
export function tariffPricingOf(r: Priced, answerMs: number): Pricing {
  const b = banded(r);
  return b ? bandedPricing(b, answerMs) : flatPricing(r);
}

/** How `r` prices a call whose talk starts at `answerMs`, in the account's currency. */
export function pricingOf(r: Priced, answerMs: number): Pricing {
  const tariff = tariffPricingOf(r, answerMs);
  return r.fx ? fxPricing(tariff, r.fx.rate) : tariff;
}

/** The cost (account's currency) of a call answered at `answerMs` that talked `billsec` seconds. */
export function costOf(r: Priced, answerMs: number, billsec: number): Money {
  return pricingOf(r, answerMs).cost(billsec);
}

/** The same cost in the tariff's currency (what the CDR keeps beside the charge when converted). */
export function tariffCostOf(r: Priced, answerMs: number, billsec: number): Money {
  return tariffPricingOf(r, answerMs).cost(billsec);
}

/**
 * The cost by band (null for a flat rate), in the tariff's currency: what the CDR keeps to
 * explain a banded charge (its shares add up to the tariff-currency cost).
 */
export function bandSplitOf(r: Priced, answerMs: number, billsec: number): BandShare[] | null {
  const b = banded(r);
  return b ? bandShares(b, answerMs, billsec) : null;
}

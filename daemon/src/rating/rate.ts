import type { Money } from './money.js';
import type { Banding } from './bands.js';
import type { RateFx } from './fx.js';

/** One row of a tariff: what a destination prefix costs and how its seconds are counted. */
export interface Rate {
  tariff: string;
  prefix: string;
  description: string;
  /** Price of 60 billed seconds, in minor units. */
  ratePerMin: Money;
  /** Charged once per answered call with billsec > 0. */
  connectFee: Money;
  /** First billing block in seconds (the 60 of 60/6); at least 1. */
  initialSecs: number;
  /** Each further block in seconds (the 6 of 60/6); at least 1. */
  incrementSecs: number;
  /** Calls shorter than this are billed as this long (0 = no minimum). */
  minSecs: number;
  /** Time bands (bands.ts): the price by weekday and time of day; absent: one price always. */
  banding?: Banding | null;
  /** The tariff's currency (asttariff); absent or null: the tariff prices in the account's. */
  currency?: string | null;
  /** Set at authorisation when the tariff's currency is not the account's (fx.ts fxPricing). */
  fx?: RateFx | null;
}

/** Why a rate is unusable, or undefined when it is sound. */
export function rateProblem(
  r: Pick<
    Rate,
    'prefix' | 'ratePerMin' | 'connectFee' | 'initialSecs' | 'incrementSecs' | 'minSecs'
  >,
): string | undefined {
  if (!/^\d{1,20}$/.test(r.prefix)) return `prefix '${r.prefix}' must be 1 to 20 digits`;
  if (r.ratePerMin < 0n) return 'rate must not be negative';
  if (r.connectFee < 0n) return 'connection fee must not be negative';
  if (!Number.isInteger(r.initialSecs) || r.initialSecs < 1 || r.initialSecs > 86_400)
    return 'initial increment must be 1..86400 seconds';
  if (!Number.isInteger(r.incrementSecs) || r.incrementSecs < 1 || r.incrementSecs > 86_400)
    return 'increment must be 1..86400 seconds';
  if (!Number.isInteger(r.minSecs) || r.minSecs < 0 || r.minSecs > 86_400)
    return 'minimum must be 0..86400 seconds';
  return undefined;
}

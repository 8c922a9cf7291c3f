/**
 * What a new version of a tariff's rate deck changes against the version it takes over from:
 * prefixes added, removed, and changed (any priced field), with the per-minute price change.
 * Pure.
 */
import type { Money } from './money.js';
import type { Rate } from './rate.js';

export interface RateChange {
  before: Rate;
  after: Rate;
  /** after.ratePerMin − before.ratePerMin. */
  delta: Money;
}

export interface DeckDiff {
  added: Rate[];
  removed: Rate[];
  changed: RateChange[];
  unchanged: number;
}

const PRICED = ['ratePerMin', 'connectFee', 'initialSecs', 'incrementSecs', 'minSecs'] as const;

/** Compares two decks of one tariff by prefix (each list in prefix order in the result). */
export function deckDiff(before: readonly Rate[], after: readonly Rate[]): DeckDiff {
  const old = new Map(before.map((r) => [r.prefix, r]));
  const now = new Map(after.map((r) => [r.prefix, r]));
  const byPrefix = (a: Rate, b: Rate) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0);
  const diff: DeckDiff = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const r of [...after].sort(byPrefix)) {
    const was = old.get(r.prefix);
    if (!was) diff.added.push(r);
    else if (PRICED.some((k) => was[k] !== r[k]) || was.description !== r.description)
      diff.changed.push({ before: was, after: r, delta: r.ratePerMin - was.ratePerMin });
    else diff.unchanged++;
  }
  diff.removed = [...before].filter((r) => !now.has(r.prefix)).sort(byPrefix);
  return diff;
}

/** A price change in per mille of the old price, rounded toward zero (display only); null from 0. */
export function changePerMille(c: RateChange): bigint | null {
  return c.before.ratePerMin === 0n ? null : (c.delta * 1000n) / c.before.ratePerMin;
}

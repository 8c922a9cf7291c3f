import type { Rate } from './rate.js';

/** Longest-prefix match of a dialled number among the rates of one tariff. */
export function longestPrefix<R extends Pick<Rate, 'prefix'>>(
  rates: readonly R[],
  number: string,
): R | undefined {
  let best: R | undefined;
  for (const r of rates) {
    if (number.startsWith(r.prefix) && (!best || r.prefix.length > best.prefix.length)) best = r;
  }
  return best;
}

/** All prefixes of `number`, longest first: what a store asks for with one `IN (...)` query. */
export function candidatePrefixes(number: string): string[] {
  const out: string[] = [];
  for (let len = number.length; len >= 1; len--) out.push(number.slice(0, len));
  return out;
}

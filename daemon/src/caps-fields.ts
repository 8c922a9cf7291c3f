/**
 * The one presenter of an account's spend caps, shared by the API (`/accounts/{name}/caps`), the
 * CLI (`astbill account caps --json` and its text line) and the caps audit rows. Null is "no
 * cap"; money goes through the caller's formatter, as in cdr-fields.ts (each output keeps its
 * own number of decimals).
 */
import type { Money, SpendCaps } from './rating/index.js';

export function capsFields(c: SpendCaps, money: (m: Money) => string) {
  const m = (v: Money | null) => (v === null ? null : money(v));
  return {
    day: m(c.dayMax),
    month: m(c.monthMax),
    perCall: m(c.callMax),
    perMinute: c.callsPerMin,
    lowBalance: m(c.lowBalance),
    largeTopup: m(c.largeTopup),
    burstMinutes: c.burstMinutes,
    burstSpend: m(c.burstSpend),
    blockedDestPerMinute: c.blockedDestPerMin,
    concurrent: c.concurrentMax,
  };
}

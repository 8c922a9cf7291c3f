/**
 * One call record as plain JSON fields, shared by the API (`GET /cdrs`) and the CLI (`astbill
 * cdr --json/--csv`). Times are ISO 8601 UTC strings or null; money goes through the caller's
 * formatter (the API writes at least 2 decimals, the CLI all 5), since each output keeps its own.
 */
import type { Money } from './rating/index.js';
import type { Cdr } from './store/cdrs.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function cdrFields(c: Cdr, money: (m: Money) => string) {
  return {
    id: c.id,
    uniqueid: c.uniqueid,
    account: c.account,
    node: c.node,
    src: c.src,
    dst: c.dst,
    tariff: c.tariff,
    prefix: c.prefix,
    start: c.start.toISOString(),
    answer: iso(c.answer),
    end: iso(c.end),
    duration: c.duration,
    billsec: c.billsec,
    disposition: c.disposition,
    hangupCause: c.hangupCause,
    reason: c.reason,
    ratePerMin: c.rate ? money(c.rate.ratePerMin) : null,
    connectFee: c.rate ? money(c.rate.connectFee) : null,
    maxSeconds: c.maxSeconds,
    maxCost: c.maxCost === null ? null : money(c.maxCost),
    cost: money(c.cost),
    status: c.status,
    note: c.note,
  };
}

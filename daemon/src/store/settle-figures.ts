/**
 * The figures of a settlement (pure): what a call is billed from the request and the facts on
 * its open CDR. The one settlement rule, shared by tx/settle.ts (facts read under its lock) and
 * tx/settle-one-trip.ts (facts the daemon remembers from its authorise, guarded in SQL), so both
 * write exactly the same numbers.
 */
import { bandSplitOf, costOf, tariffCostOf, type BandShare, type Money } from '../rating/index.js';
import type { RateSnapshot } from './cdrs.js';
import type { SettleRequest } from '../session/ports.js';

/** What the open CDR holds that the figures depend on. */
export interface SettleFacts {
  maxSeconds: number | null;
  rate: RateSnapshot | null;
  answer: Date | null;
  start: Date;
  /** Seconds the call was proven up (CDR checkpoint; 0 when none). */
  checkpoint: number;
}

export interface SettleFigures {
  answered: boolean;
  billsec: number;
  cost: Money;
  bandSplit: BandShare[] | null;
  /** The cost before conversion, for a converted (fx) rate; else null. */
  tariffCost: Money | null;
  answer: Date | null;
  end: Date;
  duration: number;
}

export function settleFigures(req: SettleRequest, cdr: SettleFacts): SettleFigures {
  const answered = req.disposition === 'ANSWERED';
  const unseen = req.endSource === 'last-up' || req.endSource === 'first-gone';
  // An end the daemon did not see is billed no lower than what the checkpoint proved.
  const proven = answered && unseen ? cdr.checkpoint : 0;
  const measured = Math.max(0, Math.floor(req.billsec), proven);
  // Asterisk's absolute timeout fires a few ms late: never bill past the grant.
  const billsec = answered ? Math.min(measured, cdr.maxSeconds ?? measured) : 0;
  const pricedAt = (cdr.answer ?? req.answer ?? req.end).getTime();
  const cost = answered && cdr.rate ? costOf(cdr.rate, pricedAt, billsec) : 0n;
  const bandSplit = answered && cdr.rate ? bandSplitOf(cdr.rate, pricedAt, billsec) : null;
  const tariffCost = cdr.rate?.fx
    ? answered
      ? tariffCostOf(cdr.rate, pricedAt, billsec)
      : 0n
    : null;
  const answer = answered ? (req.answer ?? cdr.answer) : null;
  const end =
    answer && billsec > req.billsec
      ? new Date(Math.max(req.end.getTime(), answer.getTime() + billsec * 1000))
      : req.end;
  const elapsed = Math.floor((end.getTime() - cdr.start.getTime()) / 1000);
  return {
    answered,
    billsec,
    cost,
    bandSplit,
    tariffCost,
    answer,
    end,
    duration: Math.max(elapsed, billsec, 0),
  };
}

/**
 * The demo's verdict: every call must have ended with its scripted outcome and been billed
 * exactly once (one settled CDR, cost = the tariff's price of its billsec, within its grant),
 * tried the scripted trunks in order, and been bought at the trunk that answered it (the CDR's
 * trunk, buy cost = that attempt's buy rate for its billsec, margin = cost − buy cost),
 * every balance must equal its start minus the sum of its CDRs' costs (and the ledger), and no
 * reservation may be left. Pure: it only looks at what run-demo collected.
 */
import { callCost, costOf, type Money } from '../rating/index.js';
import type { EndedChannel } from '../sim/index.js';
import type { CallAttempt, Cdr } from '../store/index.js';
import type { DemoCall } from './scenario.js';

export interface CallResult {
  call: DemoCall;
  /** The A channel id (= the first attempt's uniqueid). */
  channelId: string | null;
  cdrs: Cdr[];
  /** The trunk attempts of its CDRs, in the order they were made (run-demo fills them in). */
  attempts: CallAttempt[];
  /** The caller's channel and the dialled leg, as the simulated Asterisk ended them. */
  aEnded: EndedChannel | undefined;
  bEnded: EndedChannel | undefined;
}

export interface AccountResult {
  name: string;
  start: Money;
  end: Money;
  reserved: Money;
  ledgerSum: Money;
  /** Σ cost of the account's CDRs. */
  charged: Money;
}

export interface Verdict {
  ok: boolean;
  line: string;
  problems: string[];
}

/** Why an answered call ended, or why an unanswered one did not connect, in words. */
export function endReason(r: CallResult): string {
  const failed = r.attempts.slice(0, -1).map((a) => {
    const sip = a.techCause === null ? '' : `, SIP ${a.techCause}`;
    return `${a.trunk} ${a.outcome?.toLowerCase() ?? 'failed'}: cause ${a.cause ?? '?'}${sip}`;
  });
  const why = callEnd(r);
  return failed.length ? `${why} (after ${failed.join('; ')})` : why;
}

function callEnd(r: CallResult): string {
  const cdr = r.cdrs.at(-1);
  if (!cdr) return r.aEnded ? `caller gone (${r.aEnded.hungUpBy})` : '';
  if (cdr.reason) return cdr.reason;
  if (cdr.disposition === 'ANSWERED') {
    if (r.aEnded?.hungUpBy === 'timeout' || r.bEnded?.hungUpBy === 'timeout')
      return `credit limit: cut at ${cdr.maxSeconds ?? '?'} s by TIMEOUT(absolute)`;
    if (cdr.note) return cdr.note;
    if (r.bEnded?.hungUpBy === 'far-end') return 'callee hung up';
    if (r.aEnded?.hungUpBy === 'caller') return 'caller hung up';
    return 'hung up';
  }
  if (cdr.hangupCause === null) return '';
  const name = CAUSES[cdr.hangupCause];
  return name ? `${name} (cause ${cdr.hangupCause})` : `cause ${cdr.hangupCause}`;
}

/** Q.850 causes a demo call can end with. */
const CAUSES: Record<number, string> = {
  16: 'normal clearing',
  17: 'user busy',
  18: 'no user responding',
  19: 'no answer',
  20: 'subscriber absent',
  21: 'call rejected',
  34: 'no circuit available',
};

export function verify(
  calls: readonly CallResult[],
  accounts: readonly AccountResult[],
  reservationsLeft: number,
): Verdict {
  const problems: string[] = [];
  for (const r of calls) problems.push(...callProblems(r));
  for (const a of accounts) {
    if (a.end !== a.start - a.charged)
      problems.push(
        `${a.name}: balance ${a.end} is not start ${a.start} − charged ${a.charged} (minor units)`,
      );
    if (a.ledgerSum !== a.end)
      problems.push(`${a.name}: ledger sums to ${a.ledgerSum}, balance is ${a.end} (minor units)`);
    if (a.reserved !== 0n) problems.push(`${a.name}: ${a.reserved} minor units still reserved`);
  }
  if (reservationsLeft !== 0)
    problems.push(`${reservationsLeft} reservation(s) left in astcreditres`);
  const n = calls.length;
  const line =
    problems.length === 0
      ? `all ${n} calls billed exactly once; ${reservationsLeft} reservations left`
      : `${problems.length} problem(s) in ${n} calls: ${problems[0]}${problems.length > 1 ? ' ...' : ''}`;
  return { ok: problems.length === 0, line, problems };
}

function callProblems(r: CallResult): string[] {
  const id = r.call.id;
  const out: string[] = [];
  if (!r.channelId) return [`${id}: never placed`];
  if (r.cdrs.length !== 1) return [`${id}: ${r.cdrs.length} CDRs instead of exactly one`];
  const cdr = r.cdrs[0]!;
  if (cdr.status !== 'settled') return [`${id}: CDR ${cdr.uniqueid} not settled`];
  if (cdr.account !== r.call.account)
    out.push(`${id}: billed to ${cdr.account ?? 'nobody'}, expected ${r.call.account}`);
  const want = r.call.expect;
  if (cdr.disposition !== want.disposition)
    out.push(`${id}: disposition ${cdr.disposition ?? 'none'}, expected ${want.disposition}`);
  if ((cdr.reason ?? undefined) !== want.reason)
    out.push(`${id}: reason ${cdr.reason ?? 'none'}, expected ${want.reason ?? 'none'}`);
  if (cdr.disposition === 'ANSWERED') {
    if (!cdr.rate) out.push(`${id}: answered CDR without its rate`);
    else {
      // Priced like settlement does: a banded rate from the answer instant, per band.
      const price = costOf(cdr.rate, (cdr.answer ?? cdr.start).getTime(), cdr.billsec);
      if (cdr.cost !== price)
        out.push(`${id}: cost ${cdr.cost} is not the price of ${cdr.billsec} s (${price})`);
    }
    const split = cdr.bandSplit ?? [];
    if (want.bandSplit && split.length < 2)
      out.push(`${id}: charged in ${split.length} time band(s), expected a split`);
    if (split.length > 0 && split.reduce((sum, b) => sum + b.cost, 0n) !== cdr.cost)
      out.push(`${id}: the band split does not add up to the cost ${cdr.cost}`);
    if (cdr.maxSeconds !== null && cdr.billsec > cdr.maxSeconds)
      out.push(`${id}: billsec ${cdr.billsec} beyond the grant of ${cdr.maxSeconds} s`);
    if (cdr.maxCost !== null && cdr.cost > cdr.maxCost)
      out.push(`${id}: cost ${cdr.cost} beyond the reserved ${cdr.maxCost}`);
    out.push(...carrierProblems(r, cdr));
    if (want.cutAtLimit && cdr.billsec !== cdr.maxSeconds)
      out.push(
        `${id}: should have been cut at its ${cdr.maxSeconds} s grant, billsec ${cdr.billsec}`,
      );
  } else if (cdr.cost !== 0n) {
    out.push(`${id}: ${cdr.disposition ?? 'unanswered'} call charged ${cdr.cost}`);
  }
  if (want.attempts) {
    const tried = r.attempts.map((a) => `${a.trunk} ${a.outcome ?? 'ringing'}`);
    if (tried.join() !== want.attempts.join())
      out.push(
        `${id}: trunks tried ${tried.join(', ') || 'none'}, expected ${want.attempts.join(', ') || 'none'}`,
      );
  }
  if (!r.aEnded) out.push(`${id}: the caller's channel is still up`);
  return out;
}

/** An answered call is bought at the one trunk that answered it, at that attempt's rate. */
function carrierProblems(r: CallResult, cdr: Cdr): string[] {
  const id = r.call.id;
  const answered = r.attempts.filter((a) => a.outcome === 'ANSWERED');
  if (answered.length !== 1) return [`${id}: ${answered.length} answered trunk attempts`];
  const carrier = answered[0]!;
  const buy = callCost(carrier.buy, cdr.billsec);
  if (cdr.trunk !== carrier.trunk)
    return [`${id}: CDR trunk ${cdr.trunk ?? 'none'}, but ${carrier.trunk} answered`];
  if (cdr.buyCost !== buy)
    return [`${id}: buy cost ${cdr.buyCost} is not ${buy} at ${carrier.trunk}`];
  if (cdr.margin !== cdr.cost - buy) return [`${id}: margin ${cdr.margin} is not cost − buy cost`];
  return [];
}

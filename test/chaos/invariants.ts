/**
 * The money invariants of a chaos run. After every step (from the database alone): every
 * account's balance is its ledger sum, its reserved money is the sum of its open reservations,
 * and its available money never goes below minus its credit limit. At the end (database against
 * what the simulators saw happen): every call attempt that reached a daemon has its CDR, every
 * CDR is settled, no reservation is left, every charge is booked once and equals its CDR's cost,
 * and every answered call is billed within [what can be proven, the talk time granted], having
 * talked no longer than granted. What can be proven is what the daemon itself recorded: its
 * talk-time checkpoints (each also no more than the call really talked) and, for an answered
 * call whose end it saw, the talk between Asterisk's answer and end.
 */
import { bandedCallCost, callCost } from '../../daemon/src/rating/index.js';
import type { AriSimulator } from '../../daemon/src/sim/index.js';
import type { Cdr } from '../../daemon/src/store/cdrs.js';
import type { TestStore } from '../support/db.js';
import { trueCall } from '../recovery/rig.js';
import type { BlindWindow } from './faults.js';
import type { Attempt } from './workload.js';

export interface Violation {
  check: string;
  message: string;
  /** The call attempt it concerns, if one. */
  call?: string;
}

const big = (v: unknown): bigint => BigInt(String(v ?? 0).replace(/\.0+$/, ''));

/** The per-step checks: one query over every account. */
export async function stepViolations(t: TestStore): Promise<Violation[]> {
  const rows = (await t.knex.raw(`
    SELECT a.name, a.balance, a.reserved, a.credit_limit,
      (SELECT COALESCE(SUM(l.amount), 0) FROM astledger l WHERE l.account_id = a.id) AS ledger,
      (SELECT COALESCE(SUM(r.max_cost), 0) FROM astcreditres r WHERE r.account_id = a.id) AS held
    FROM astaccount a`)) as unknown;
  const list = (Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0] : rows) as Record<
    string,
    unknown
  >[];
  const out: Violation[] = [];
  for (const r of list) {
    const balance = big(r.balance);
    const reserved = big(r.reserved);
    const limit = big(r.credit_limit);
    if (balance !== big(r.ledger))
      out.push({
        check: 'balance = ledger sum',
        message: `${String(r.name)}: balance ${balance}, ledger ${big(r.ledger)}`,
      });
    if (reserved !== big(r.held))
      out.push({
        check: 'reserved = open reservations',
        message: `${String(r.name)}: reserved ${reserved}, reservations ${big(r.held)}`,
      });
    if (balance - reserved < -limit)
      out.push({
        check: 'available ≥ −credit limit',
        message: `${String(r.name)}: balance ${balance} − reserved ${reserved} < −${limit}`,
      });
  }
  return out;
}

/** What really happened to an attempt, from its simulator. */
export interface Truth {
  answeredAt: number | null;
  endedAt: number | null;
  /** Every channel of the attempt is gone. */
  over: boolean;
  talkMs: number;
}

/**
 * `channelOf`: the channel a callback leg talked on (a routed leg that failed over talks on a
 * further trunk's channel, not on its uniqueid's); default: its uniqueid.
 */
export function truthOf(
  sim: AriSimulator,
  a: Attempt,
  channelOf: (uniqueid: string) => string = (u) => u,
): Truth {
  if (a.peer !== undefined) {
    const [mine, peers] = [channelOf(a.id), channelOf(a.peer)];
    const me = sim.ended(mine);
    const peer = sim.ended(peers);
    const ends = [
      me?.endedAt,
      peer?.bridgeId !== undefined && peer.bridgeId === me?.bridgeId ? peer.endedAt : undefined,
    ].filter((x): x is number => x !== undefined);
    const endedAt = ends.length > 0 ? Math.min(...ends) : null;
    const answeredAt = me?.answeredAt ?? null;
    return {
      answeredAt,
      endedAt,
      over: [a.id, a.peer, mine, peers].every((c) => sim.channel(c) === undefined),
      talkMs: answeredAt !== null && endedAt !== null ? Math.max(0, endedAt - answeredAt) : 0,
    };
  }
  const tc = trueCall(sim, a.id, null);
  const over =
    sim.ended(a.id) !== undefined &&
    (tc.bChannelId === null || sim.ended(tc.bChannelId) !== undefined);
  return { answeredAt: tc.answeredAt, endedAt: tc.endedAt, over, talkMs: tc.talkMs ?? 0 };
}

export interface EndInputs {
  t: TestStore;
  sims: AriSimulator[];
  attempts: Attempt[];
  blind: BlindWindow[];
  dbFaultTimes: number[];
}

/** Whether the daemon could see the whole call: no blind window, or every one over before it ended with no database fault in its life. */
function proven(a: Attempt, truth: Truth, blind: BlindWindow[], dbFaults: number[]): boolean {
  const end = truth.endedAt ?? Number.POSITIVE_INFINITY;
  const overlapping = blind.filter(
    (w) => w.box === a.box && w.from <= end && (w.to ?? Infinity) >= a.placedAt,
  );
  if (overlapping.length === 0) return true;
  const survived = overlapping.every((w) => w.to !== null && w.to < end - 1000);
  return survived && !dbFaults.some((t) => t >= a.placedAt && t <= end);
}

/** The end-of-run checks. */
export async function endViolations(i: EndInputs): Promise<Violation[]> {
  const out: Violation[] = [];
  const cdrs = new Map<string, Cdr>((await i.t.store.cdrs()).map((c) => [c.uniqueid, c]));
  for (const c of cdrs.values())
    if (c.status !== 'settled')
      out.push({
        check: 'every CDR settled',
        message: `${c.uniqueid} is ${c.status}`,
        call: c.uniqueid,
      });
  const left = await i.t.store.reservations();
  for (const r of left)
    out.push({
      check: 'no reservation left',
      message: `${r.uniqueid} holds ${r.maxCost} on ${r.account}`,
      call: r.uniqueid,
    });
  // Callback legs: the channel of the answered trunk attempt (the simulator's truth is read there).
  const talkedOn = new Map(
    (
      (await i.t
        .knex('astcallattempt')
        .where({ outcome: 'ANSWERED' })
        .select('uniqueid', 'channel')) as { uniqueid: string; channel: string }[]
    ).map((r) => [r.uniqueid, r.channel]),
  );
  const marks = new Map<string, number>();
  for (const r of (await i.t
    .knex('astcdr')
    .select('uniqueid', 'checkpoint_secs')
    .whereNotNull('checkpoint_secs')) as { uniqueid: string; checkpoint_secs: unknown }[])
    marks.set(r.uniqueid, Number(r.checkpoint_secs));
  const charges = new Map<string, bigint>();
  const ledger = (await i.t
    .knex('astledger')
    .select('reference', 'amount')
    .where({ kind: 'charge' })) as {
    reference: string | null;
    amount: unknown;
  }[];
  for (const l of ledger) {
    const ref = l.reference ?? '';
    if (charges.has(ref))
      out.push({ check: 'charged once', message: `${ref} charged twice`, call: ref });
    charges.set(ref, -big(l.amount));
  }
  for (const c of cdrs.values()) {
    if ((charges.get(c.uniqueid) ?? 0n) !== c.cost)
      out.push({
        check: 'ledger charge = CDR cost',
        message: `${c.uniqueid}: ledger ${charges.get(c.uniqueid) ?? 0n}, CDR ${c.cost}`,
        call: c.uniqueid,
      });
    // A banded call by the banding it was granted on (bands-vouchers-invariants checks that
    // against the run's bands).
    const priced = !c.rate
      ? null
      : c.rate.banding && c.answer
        ? bandedCallCost({ ...c.rate.banding, base: c.rate }, c.answer.getTime(), c.billsec)
        : callCost(c.rate, c.billsec);
    if (priced !== null && c.cost !== priced)
      out.push({
        check: 'cost = rate × billsec',
        message: `${c.uniqueid}: cost ${c.cost} for ${c.billsec} s`,
        call: c.uniqueid,
      });
  }
  for (const ref of charges.keys())
    if (!cdrs.has(ref))
      out.push({ check: 'every charge has a CDR', message: `charge ${ref} has no CDR`, call: ref });

  for (const a of i.attempts) {
    const sim = i.sims[a.box]!;
    const failed = sim.failedStasisCalls().some((f) => f.channelId === a.id);
    const cdr = cdrs.get(a.id);
    const truth = truthOf(sim, a, (u) => talkedOn.get(u) ?? u);
    if (!truth.over)
      out.push({ check: 'every call ends', message: `${a.id} still up at the end`, call: a.id });
    if (!cdr) {
      // Never reached a daemon (no websocket), or the daemon died before writing anything.
      const unseen =
        failed ||
        i.blind.some(
          (w) =>
            w.box === a.box &&
            w.from <= (truth.endedAt ?? Infinity) &&
            (w.to ?? Infinity) >= a.placedAt,
        );
      if (!unseen)
        out.push({
          check: 'every attempt has a CDR',
          message: `${a.kind} ${a.id} has none`,
          call: a.id,
        });
      continue;
    }
    const talked = truth.answeredAt !== null && truth.talkMs > 0;
    const upper = Math.ceil(truth.talkMs / 1000);
    if (cdr.billsec > upper)
      out.push({
        check: 'billsec ≤ real talk time',
        message: `${a.id}: billsec ${cdr.billsec}, talked ${truth.talkMs} ms`,
        call: a.id,
      });
    if (cdr.maxSeconds !== null && cdr.billsec > cdr.maxSeconds)
      out.push({
        check: 'billsec ≤ granted',
        message: `${a.id}: billsec ${cdr.billsec} > granted ${cdr.maxSeconds}`,
        call: a.id,
      });
    if (talked && cdr.maxSeconds !== null && truth.talkMs > (cdr.maxSeconds + 2) * 1000)
      out.push({
        check: 'no talk past the grant',
        message: `${a.id}: talked ${truth.talkMs} ms, granted ${cdr.maxSeconds} s`,
        call: a.id,
      });
    // What the daemon itself proved: its checkpoints (Asterisk listed the call up that long
    // after the answer it recorded), and, for an answered call whose end it saw, the whole talk.
    const checkpoint = marks.get(a.id) ?? null;
    if (checkpoint !== null && checkpoint > upper)
      out.push({
        check: 'checkpoint ≤ real talk time',
        message: `${a.id}: checkpoint ${checkpoint} s, talked ${truth.talkMs} ms`,
        call: a.id,
      });
    // An answer or end inside a websocket gap was not seen: the daemon bills it from (to) the
    // moment it could prove it instead (live-check.ts), so the whole talk is not proven then.
    const blindAt = (t: number | null): boolean =>
      t !== null && i.blind.some((w) => w.box === a.box && w.from <= t && (w.to ?? Infinity) >= t);
    const seenEnd =
      cdr.disposition === 'ANSWERED' &&
      cdr.endSource === null &&
      !blindAt(truth.answeredAt) &&
      !blindAt(truth.endedAt);
    const provenSecs = Math.min(
      cdr.maxSeconds ?? Infinity,
      Math.max(checkpoint ?? 0, seenEnd && talked ? Math.floor(truth.talkMs / 1000) - 1 : 0),
    );
    if (cdr.billsec < provenSecs)
      out.push({
        check: 'billsec ≥ proven talk time',
        message: `${a.id}: billsec ${cdr.billsec}, proven ${provenSecs} s (checkpoint ${checkpoint ?? 'none'}, end ${seenEnd ? 'seen' : (cdr.endSource ?? 'not answered')}), talked ${truth.talkMs} ms`,
        call: a.id,
      });
    if (talked && cdr.disposition !== 'ANSWERED' && proven(a, truth, i.blind, i.dbFaultTimes))
      out.push({
        check: 'answered calls are ANSWERED',
        message: `${a.id}: ${cdr.disposition} after ${truth.talkMs} ms of talk`,
        call: a.id,
      });
  }
  return out;
}

/**
 * The invariants of the newer money paths (money-paths.ts). After every step, from what the
 * simulators have up (Asterisk's truth, not the database's): no trunk carries more channels
 * than its limit, across every box. At the end: a routed call or callback leg that talked was
 * carried by a trunk, its buy cost is that trunk's buy rate for its billsec and its margin cost − buy; the
 * trunk on the CDR is the one the simulator saw answer; no call to a prefix an account blocks
 * costs anything or rang anyone; no account spent more than its day cap or any call more than
 * its call cap; every payment reference is credited exactly once (at most once, and once when
 * a delivery was answered), with its amount.
 */
import type { AriSimulator } from '../../daemon/src/sim/index.js';
import type { Cdr } from '../../daemon/src/store/cdrs.js';
import type { TestStore } from '../support/db.js';
import { trueCall } from '../recovery/rig.js';
import type { Violation } from './invariants.js';
import { BLOCKED, expectedBuyCost, TRUNKS, type MoneyPlan } from './money-paths.js';
import type { Attempt } from './workload.js';

const big = (v: unknown): bigint => BigInt(String(v ?? 0).replace(/\.0+$/, ''));

/** Per step: live channels per trunk (by tech prefix) against its limit, over all boxes. */
export function trunkViolations(sims: AriSimulator[]): Violation[] {
  const out: Violation[] = [];
  for (const t of TRUNKS) {
    if (t.maxChannels === null) continue;
    const up = sims
      .flatMap((s) => s.liveChannels())
      .filter((c) => c.kind === 'outbound' && c.name.startsWith(`Local/${t.tech}45`));
    if (up.length > t.maxChannels)
      out.push({
        check: 'trunk channels ≤ its limit',
        message: `${t.name}: ${up.length} channels up, limit ${t.maxChannels}: ${up.map((c) => `${c.id} ${c.state}`).join(', ')}`,
      });
  }
  return out;
}

/** The channel of a leg's answered trunk attempt (null: none answered). */
async function answeredChannel(t: TestStore, uniqueid: string): Promise<string | null> {
  const row = (await t
    .knex('astcallattempt')
    .where({ uniqueid, outcome: 'ANSWERED' })
    .first('channel')) as { channel: string } | undefined;
  return row?.channel ?? null;
}

export interface MoneyEndInputs {
  t: TestStore;
  sims: AriSimulator[];
  attempts: Attempt[];
  plan: MoneyPlan;
  cdrs: Map<string, Cdr>;
}

export async function moneyEndViolations(i: MoneyEndInputs): Promise<Violation[]> {
  const out: Violation[] = [];
  const v = (check: string, message: string, call?: string): void =>
    void out.push({ check, message, ...(call ? { call } : {}) });
  for (const a of i.attempts) {
    const cdr = i.cdrs.get(a.id);
    if (!cdr) continue;
    // Every call with a trunk, and every routed call or callback leg that talked (trunks exist:
    // each callback leg is routed as a call).
    const callbackLeg = a.kind.startsWith('callback');
    const carried = a.kind === 'routed' || callbackLeg || !!cdr.trunk;
    if (carried && cdr.billsec > 0) {
      if (!cdr.trunk) v('a routed call has its trunk', `${a.id}: no trunk`, a.id);
      else {
        const buy = expectedBuyCost(cdr.trunk, cdr.billsec);
        if (cdr.buyCost !== buy)
          v(
            'buy cost = trunk rate × billsec',
            `${a.id}: buy ${cdr.buyCost} on ${cdr.trunk}, expected ${buy}`,
            a.id,
          );
        if (cdr.margin !== cdr.cost - (cdr.buyCost ?? 0n))
          v('margin = cost − buy cost', `${a.id}: margin ${cdr.margin}, cost ${cdr.cost}`, a.id);
        // A callback leg's channel is its answered attempt's (a further trunk dials a new one).
        const b = callbackLeg
          ? await answeredChannel(i.t, a.id)
          : trueCall(i.sims[a.box]!, a.id, null).bChannelId;
        const leg = b ? i.sims[a.box]!.ended(b) : undefined;
        const tech = TRUNKS.find((t) => t.name === cdr.trunk)?.tech;
        if (leg && tech && !leg.number.startsWith(tech))
          v(
            'the CDR names the trunk that carried it',
            `${a.id}: ${cdr.trunk}, carried by ${leg.number}`,
            a.id,
          );
      }
    }
    const blocked =
      a.account !== null &&
      i.plan.blocked.has(a.account) &&
      BLOCKED.some((p) => cdr.dst.startsWith(p));
    if (blocked && (cdr.cost !== 0n || cdr.billsec !== 0))
      v('a blocked destination costs nothing', `${a.id}: ${cdr.dst} billed ${cdr.cost}`, a.id);
  }
  // Caps: the whole run is one day.
  const caps = (await i.t
    .knex('astcap as c')
    .join('astaccount as a', 'a.id', 'c.account_id')
    .select('a.name', 'a.id', 'c.day_max', 'c.call_max')) as Record<string, unknown>[];
  for (const c of caps) {
    const name = String(c.name);
    const mine = [...i.cdrs.values()].filter((d) => d.account === name);
    if (c.day_max !== null) {
      const spent = mine.reduce((s, d) => s + d.cost, 0n);
      if (spent > big(c.day_max))
        v('spend ≤ day cap', `${name}: spent ${spent}, day cap ${big(c.day_max)}`);
    }
    // A callback's two legs are one call for its cap.
    const peers = new Map(i.attempts.map((a) => [a.id, a]));
    if (c.call_max !== null)
      for (const d of mine) {
        const at = peers.get(d.uniqueid);
        if (at?.kind === 'callback-b') continue;
        const cost = d.cost + (at?.peer ? (i.cdrs.get(at.peer)?.cost ?? 0n) : 0n);
        if (cost > big(c.call_max))
          v(
            'call cost ≤ call cap',
            `${d.uniqueid}: ${cost}, call cap ${big(c.call_max)}`,
            d.uniqueid,
          );
      }
  }
  const credits = (await i.t
    .knex('astledger')
    .where({ kind: 'topup' })
    .where('reference', 'like', 'payment:%')
    .select('reference', 'amount')) as { reference: string; amount: unknown }[];
  for (const [ref, p] of i.plan.payments) {
    const rows = credits.filter((r) => r.reference === ref);
    if (rows.length > 1) v('a payment is credited once', `${ref}: credited ${rows.length} times`);
    if (rows.length === 0 && p.answered > 0)
      v('a payment is credited once', `${ref}: answered ${p.answered} times, never credited`);
    if (rows.length === 1 && big(rows[0]!.amount) !== p.amount)
      v('a payment credits its amount', `${ref}: ${big(rows[0]!.amount)}, sent ${p.amount}`);
  }
  return out;
}

/**
 * Carrier routing, the pure part: which trunks may carry a call and in what order, what each
 * is sent as (number rewriting), and whether a trunk is profitable. Buy rates are `Rate`s and go
 * through the same functions as sell rates (cost.ts), so buy and sell are rated alike.
 */
import { compareAsr, type AsrRanking } from './asr.js';
import { callCost } from './cost.js';
import type { Money } from './money.js';
import type { Rate } from './rate.js';

export const ROUTE_MODES = ['lcr', 'priority', 'weighted'] as const;
export type RouteMode = (typeof ROUTE_MODES)[number];

/** A trunk as routing sees it (store/trunks.ts reads it). */
export interface Trunk {
  id: number;
  name: string;
  /** Dial template; `{number}` is replaced by the rewritten number. */
  dial: string;
  stripDigits: number;
  techPrefix: string;
  /** null = no limit. */
  maxChannels: number | null;
  enabled: boolean;
}

/** A trunk that has a buy rate for the destination. */
export interface Candidate {
  trunk: Trunk;
  buy: Rate;
}

export interface RoutePlan {
  mode: RouteMode;
  /** Trunks named by the plan in priority order with their weights; empty = every trunk. */
  trunks: ReadonlyArray<{ name: string; weight: number }>;
}

export const DEFAULT_PLAN: RoutePlan = { mode: 'lcr', trunks: [] };

/** What `{number}` becomes on this trunk: `stripDigits` leading digits removed, then the tech prefix. */
export function rewriteNumber(
  trunk: Pick<Trunk, 'stripDigits' | 'techPrefix'>,
  dst: string,
): string {
  return trunk.techPrefix + dst.slice(Math.min(trunk.stripDigits, dst.length));
}

/** The dial string for `dst` on this trunk. */
export function trunkEndpoint(trunk: Trunk, dst: string): string {
  return trunk.dial.split('{number}').join(rewriteNumber(trunk, dst));
}

/** Why a dial template is unusable, or undefined. */
export function dialTemplateProblem(dial: string): string | undefined {
  if (!dial.includes('{number}')) return `dial template '${dial}' has no {number}`;
  if (!/^[A-Za-z0-9]+\/\S+$/.test(dial))
    return `dial template '${dial}' must look like TECH/resource (e.g. PJSIP/{number}@carrier-a)`;
  if (dial.length > 200) return 'dial template must be at most 200 characters';
  return undefined;
}

/** The seconds both sides are compared at: a one-second call, one minute, ten minutes. */
export const MARGIN_CHECK_SECONDS = [1, 60, 600] as const;

/**
 * True when selling at `sell` and buying at `buy` earns at least `minMarginPerMin` per minute
 * of talk at each of MARGIN_CHECK_SECONDS (exact: (sell − buy) · 60 ≥ margin · seconds).
 */
export function profitable(sell: Rate, buy: Rate, minMarginPerMin: Money): boolean {
  return MARGIN_CHECK_SECONDS.every(
    (s) => (callCost(sell, s) - callCost(buy, s)) * 60n >= minMarginPerMin * BigInt(s),
  );
}

/** What a trunk costs for one minute of talk: the least-cost order compares this. */
export function minuteCost(buy: Rate): Money {
  return callCost(buy, 60);
}

export interface RankOptions {
  /** In [0, 1); the weighted draw. */
  random?: () => number;
  /** Recent ASR per trunk: breaks least-cost ties (rating/asr.ts); absent = ties by name. */
  asr?: AsrRanking;
}

/** True when two candidates cost the same minute: only then does ranking need the trunks' ASR. */
export function hasCostTie(candidates: readonly Candidate[]): boolean {
  const costs = new Set(candidates.map((c) => minuteCost(c.buy)));
  return costs.size < candidates.length;
}

/**
 * The candidates in the order they are tried. lcr: cheapest minute first, ties by recent ASR
 * (when given) then by name; priority: the plan's order; weighted: a draw by weight without
 * replacement. A plan that names trunks keeps only those.
 */
export function rankCandidates(
  candidates: readonly Candidate[],
  plan: RoutePlan,
  opts: RankOptions = {},
): Candidate[] {
  const random = opts.random ?? Math.random;
  const named = new Map(plan.trunks.map((t, i) => [t.name, { i, weight: t.weight }]));
  const pool = plan.trunks.length
    ? candidates.filter((c) => named.has(c.trunk.name))
    : [...candidates];
  const byCost = (a: Candidate, b: Candidate) => {
    const d = minuteCost(a.buy) - minuteCost(b.buy);
    if (d !== 0n) return d < 0n ? -1 : 1;
    const byAsr = opts.asr ? compareAsr(a.trunk.name, b.trunk.name, opts.asr) : 0;
    return byAsr !== 0 ? byAsr : a.trunk.name < b.trunk.name ? -1 : 1;
  };
  if (plan.mode === 'lcr' || plan.trunks.length === 0) return pool.sort(byCost);
  const pos = (c: Candidate) => named.get(c.trunk.name)!;
  pool.sort((a, b) => pos(a).i - pos(b).i);
  if (plan.mode === 'priority') return pool;
  const out: Candidate[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((n, c) => n + pos(c).weight, 0);
    let r = random() * total;
    let k = pool.findIndex((c) => (r -= pos(c).weight) < 0);
    if (k < 0) k = pool.length - 1;
    out.push(pool.splice(k, 1)[0]!);
  }
  return out;
}

/** Parses a plan's trunk list `a,b:3,c` (weights default to 1); throws with the reason. */
export function parsePlanTrunks(text: string): Array<{ name: string; weight: number }> {
  if (text.trim() === '') return [];
  const seen = new Set<string>();
  return text.split(',').map((part) => {
    const m = /^\s*([A-Za-z0-9_.-]{1,40})(?::(\d{1,4}))?\s*$/.exec(part);
    if (!m) throw new Error(`bad trunk entry '${part}' (expected name or name:weight)`);
    const weight = m[2] === undefined ? 1 : Number(m[2]);
    if (weight < 1) throw new Error(`weight of ${m[1]} must be at least 1`);
    if (seen.has(m[1]!)) throw new Error(`trunk ${m[1]} appears twice`);
    seen.add(m[1]!);
    return { name: m[1]!, weight };
  });
}

export interface RankedRoute extends Candidate {
  /** One minute's sell cost minus buy cost (what `astbill route` shows). */
  minuteMargin: Money;
  profitable: boolean;
}

/**
 * The plan applied to the candidates: every candidate in the order it would be tried, marked
 * profitable or not; the call is offered only to the profitable ones, in that order.
 */
export function chooseRoutes(
  candidates: readonly Candidate[],
  plan: RoutePlan,
  sell: Rate,
  minMarginPerMin: Money,
  opts: RankOptions = {},
): RankedRoute[] {
  return rankCandidates(candidates, plan, opts).map((c) => ({
    ...c,
    minuteMargin: callCost(sell, 60) - callCost(c.buy, 60),
    profitable: profitable(sell, c.buy, minMarginPerMin),
  }));
}

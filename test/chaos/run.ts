/**
 * One chaos run: a seed → accounts, a world (one or two boxes on one database), a workload and
 * faults drawn step by step, the per-step invariants, then every fault healed, every call run
 * out, and the end-of-run invariants. The first violation stops the run with the seed, the step
 * and a trace of the call it concerns.
 *
 *   const summary = await runSeed(7, { calls: 300 });
 *   if (summary.violation) console.log(formatViolation(summary));
 */
import { writeFileSync } from 'node:fs';
import type { Cdr } from '../../daemon/src/store/cdrs.js';
import { scratchDatabase } from '../support/db.js';
import { FaultPlan, type FaultEvent, type FaultKind } from './faults.js';
import { endViolations, stepViolations, type Violation } from './invariants.js';
import { Rng } from './rng.js';
import { traceOf } from './trace.js';
import {
  FAR_ENDS,
  seedAccounts,
  workload,
  type Attempt,
  type WorkloadContext,
} from './workload.js';
import { OPEN_DEFECTS } from './ci-seeds.js';
import { paymentKind, ROUTED_RULES, routed, seedMoneyPaths } from './money-paths.js';
import { moneyEndViolations, trunkViolations } from './money-invariants.js';
import { World } from './world.js';
import { seedBandsAndVouchers, voucherKind } from './bands-vouchers.js';
import { bandVoucherViolations } from './bands-vouchers-invariants.js';

export interface RunOptions {
  /** Call attempts to place (callbacks and top-ups come on top). */
  calls: number;
  /** MariaDB server URL (a scratch database is made on it); default SQLite. */
  mysqlUrl?: string;
  /** Chance of a fault before each step (default 0.02). */
  faultRate?: number;
  /** Keep the run's whole trace in the summary (for replay comparisons). */
  trace?: boolean;
}

export interface RunSummary {
  seed: number;
  boxes: number;
  steps: number;
  simSeconds: number;
  calls: number;
  attempts: number;
  byKind: Record<string, number>;
  faults: Record<FaultKind, number>;
  /** CDRs by disposition/reason at the end, and money charged (minor units). */
  outcomes: Record<string, number>;
  charged: string;
  violation: (Violation & { step: number; trace: string[] }) | null;
  /** Every end-of-run violation by check (the first one is `violation`). */
  violations: Record<string, number>;
  /** The first end-of-run violations in full (for reports of a long search). */
  details: string[];
  /** With `trace`: every event each simulator sent, every fault, channel end and CDR, in order. */
  trace?: string[];
}

const STEP_MS = 500;
const START = Date.parse('2026-11-22T10:00:00.000Z');

class Stop extends Error {
  constructor(readonly v: Violation) {
    super(v.message);
  }
}

export async function runSeed(seed: number, opts: RunOptions): Promise<RunSummary> {
  const rng = new Rng(seed);
  const wl = rng.fork(1);
  const fr = rng.fork(2);
  const boxes = rng.chance(0.3) ? 2 : 1;
  const tdb = scratchDatabase(opts.mysqlUrl);
  await tdb.create();
  const world = await World.start({
    tdb,
    startTime: START + seed * 1000,
    boxes,
    rules: [...FAR_ENDS.map((f) => f.rule), ...ROUTED_RULES],
    slowMs: 150,
    env: {
      ASTBILL_DB_DEADLINE_MS: '100',
      ASTBILL_JOURNAL_REPLAY_SECONDS: '5',
      ASTBILL_CHECKPOINT_SECONDS: '5',
      ASTBILL_RECONCILE_RETRY_SECONDS: '5',
      ASTBILL_RING_TIMEOUT: '20',
      ASTBILL_DIGIT_TIMEOUT: '5',
      ASTBILL_MAX_CALL_SECONDS: '240',
      ASTBILL_GRANT_DEADLINE_MS: '2000',
      ASTBILL_DB_FAILURE_POLICY: rng.pick(['refuse', 'allow-capped']),
    },
  });
  const accounts = await seedAccounts(world, wl, 12);
  const money = await seedMoneyPaths(world, wl, accounts);
  const vouchers = await seedBandsAndVouchers(world, wl, START + seed * 1000);
  const plan = new FaultPlan(world, fr, opts.faultRate ?? 0.04);
  const attempts: Attempt[] = [];
  const byKind: Record<string, number> = {};
  const kinds = [...workload(), routed, paymentKind(money), voucherKind(vouchers)];
  const weights = Object.fromEntries(kinds.map((k) => [k.name, k.weight]));
  const ctx: WorkloadContext = {
    world,
    rng: wl,
    accounts,
    liveBox: () => {
      const up = world.boxes.map((b, i) => (b.up ? i : -1)).filter((i) => i >= 0);
      return up.length === 0 ? null : wl.pick(up);
    },
    record: (a) => void attempts.push(a),
    note: (k) => void (byKind[k] = (byKind[k] ?? 0) + 1),
  };
  let step = 0;
  let placed = 0;
  let checkedAt = '';
  const check = async (): Promise<void> => {
    // Money rows change only through store calls: no call since the last check, nothing to see.
    const writes = world.storeCalls();
    if (writes === checkedAt) return;
    checkedAt = writes;
    const v = [
      ...(await stepViolations(world.t)),
      ...trunkViolations(world.boxes.map((b) => b.sim)),
    ];
    // A known open defect is counted and the run goes on (so the rest is still checked).
    for (const x of v.filter((x) => OPEN_DEFECTS[x.check] !== undefined)) {
      if (!violations[x.check]) details.push(`${x.check}: ${x.message}`);
      violations[x.check] = (violations[x.check] ?? 0) + 1;
    }
    const stop = v.find((x) => OPEN_DEFECTS[x.check] === undefined);
    if (stop) throw new Stop(stop);
  };
  /** One step: STEP_MS while calls arrive; afterwards straight to the next timer (at most 10 s). */
  const advance = async (jump = false): Promise<void> => {
    for (const k of kinds) k.onStep?.(ctx);
    const next = world.clock.nextDue();
    const ms =
      jump && next !== null
        ? Math.min(10_000, Math.max(STEP_MS, next - world.clock.now()))
        : STEP_MS;
    world.clock.advance(ms);
    await world.quiesce();
    await check();
    step += 1;
  };
  let violation: RunSummary['violation'] = null;
  const violations: Record<string, number> = {};
  const details: string[] = [];
  try {
    // Calls arrive about 1.6 a second.
    while (placed < opts.calls) {
      await plan.before(step);
      if (wl.chance(0.8)) {
        const name = wl.weighted(weights);
        const kind = kinds.find((k) => k.name === name)!;
        ctx.note(kind.name);
        kind.start(ctx);
        if (!['topup', 'payment', 'voucher'].includes(kind.name)) placed += 1;
      }
      await advance();
      if (await plan.after(step)) await world.quiesce();
    }
    await plan.heal();
    await world.quiesce();
    // Every call runs out (limits, far ends, callers), then the journals and reconciliation settle.
    const settled = async (): Promise<boolean> =>
      world.boxes.every(
        (b) => b.sim.liveChannels().length === 0 && (b.daemon?.liveCalls ?? 0) === 0,
      ) &&
      (await world.t.store.reservations()).length === 0 &&
      (await world.t.store.cdrs({})).every((c) => c.status === 'settled');
    const endBy = world.clock.now() + 15 * 60 * 1000;
    while (!(await settled()) && world.clock.now() < endBy) await advance(true);
    const v = await endViolations({
      t: world.t,
      sims: world.boxes.map((b) => b.sim),
      attempts,
      blind: plan.blind,
      dbFaultTimes: plan.dbFaultTimes,
    });
    const cdrMap = new Map((await world.t.store.cdrs({})).map((c) => [c.uniqueid, c]));
    v.push(
      ...(await moneyEndViolations({
        t: world.t,
        sims: world.boxes.map((b) => b.sim),
        attempts,
        plan: money,
        cdrs: cdrMap,
      })),
    );
    v.push(...(await bandVoucherViolations(world.t, vouchers, cdrMap, ctx.note)));
    for (const x of v) violations[x.check] = (violations[x.check] ?? 0) + 1;
    details.push(...v.slice(0, 20).map((x) => `${x.check}: ${x.message}`));
    if (v.length > 0) throw new Stop(v[0]!);
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    violations[err.v.check] ??= 1;
    violation = { ...err.v, step, trace: await traceOf(world, attempts, plan.events, err.v.call) };
  }
  const cdrs = await world.t.store.cdrs({});
  const lines = opts.trace || process.env.ASTBILL_CHAOS_DUMP ? runTrace(world, plan, cdrs) : [];
  if (process.env.ASTBILL_CHAOS_DUMP)
    writeFileSync(process.env.ASTBILL_CHAOS_DUMP, lines.join('\n'));
  const outcomes: Record<string, number> = {};
  let charged = 0n;
  for (const c of cdrs) {
    const k = c.reason ? `${c.disposition ?? '?'} ${c.reason}` : (c.disposition ?? c.status);
    outcomes[k] = (outcomes[k] ?? 0) + 1;
    charged += c.cost;
  }
  // Measured before the shutdown: close() moves the clock by wall-time polling, not by the run.
  const simMs = world.clock.now() - START - seed * 1000;
  await world.close();
  await tdb.destroy();
  return {
    seed,
    boxes,
    steps: step,
    simSeconds: Math.round(simMs / 1000),
    calls: placed,
    attempts: attempts.length,
    byKind,
    faults: plan.counts,
    outcomes,
    charged: charged.toString(),
    violation,
    violations,
    details,
    ...(opts.trace ? { trace: lines } : {}),
  };
}

/** The run event for event: what each simulator sent (and whether it was delivered), the faults, the channel ends, the CDRs. */
function runTrace(world: World, plan: FaultPlan, cdrs: Cdr[]): string[] {
  // Per box in simulated-time order, then per channel (stable): two REST requests the daemon
  // sends at once may reach the simulator in either order, as they may reach Asterisk; what
  // must repeat is every event, its instant and each channel's own sequence.
  const events = world.boxes.flatMap((b, i) =>
    b.sim.sentEvents('astbill').map((s) => {
      const e = s.event as {
        type: string;
        timestamp?: string;
        channel?: { id: string; state?: string };
        playback?: { id: string; state?: string };
        bridge?: { id: string };
        variable?: string;
        value?: string;
      };
      const about = e.channel?.id ?? e.playback?.id ?? e.bridge?.id ?? '-';
      const what = e.variable ? `${e.variable}=${e.value ?? ''}` : (e.channel?.state ?? '');
      return {
        key: `box ${i} ${e.timestamp ?? '-'} ${about}`,
        line: `box ${i} ${e.timestamp ?? '-'} ${e.type} ${about} ${what}${s.delivered ? '' : ' (lost)'}`,
      };
    }),
  );
  const ordered = events
    .map((e, n) => ({ ...e, n }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.n - b.n))
    .map((e) => e.line);
  return [
    ...ordered,
    ...plan.events.map((f) => `fault ${f.step} ${f.kind} ${f.box} ${f.detail}`),
    ...world.boxes.map((b) => `401s ${b.sim.unauthorisedRequests}`),
    ...world.boxes.flatMap((b) =>
      [...b.sim.endedChannels()]
        .sort((x, y) => x.endedAt - y.endedAt || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
        .map((e) => `ended ${e.id} ${e.kind} ${e.hungUpBy} ${e.cause} ${e.endedAt}`),
    ),
    ...[...cdrs]
      .sort((a, b) => (a.uniqueid < b.uniqueid ? -1 : 1))
      .map(
        (c) =>
          `cdr ${c.uniqueid} ${c.disposition} ${c.reason} ${c.billsec} ${c.maxSeconds} ${c.cost} ${c.answer?.toISOString()} ${c.end?.toISOString()} ${c.endSource}`,
      ),
  ];
}

export function formatViolation(s: RunSummary): string {
  const v = s.violation;
  if (!v) return `seed ${s.seed}: no violation`;
  return [
    `VIOLATION seed ${s.seed} step ${v.step}: ${v.check}: ${v.message}`,
    `all: ${Object.entries(s.violations)
      .map(([k, n]) => `${k} ×${n}`)
      .join(', ')}`,
    `replay: npm run chaos -- --seed ${s.seed}`,
    ...v.trace.map((l) => `  ${l}`),
  ].join('\n');
}

export type { FaultEvent };

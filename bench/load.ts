/**
 * Through the stack: calls offered at a steady rate (short answered calls, the far end hangs up
 * after the talk time) for a while, at rising rates until completed billed calls per second stop
 * rising or failures appear; then a run at 50% of that saturation for the set-up latency.
 *
 * Completed/s of a step counts calls of that step settled ANSWERED in the database during the
 * steady window [start + talk + 1 s, start + duration + talk], i.e. the completions of calls
 * offered at the steady rate, whatever their set-up delay.
 */
import { LOAD_PREFIX, type BenchAccount } from './bench-db.js';
import { startDbSampler } from './db-sampler.js';
import { findDatabasePid, percentOfCore, processCpuUs, selfCpuUs } from './cpu.js';
import { drain, type Stack } from './stack.js';
import type { Summary } from './stats.js';

export interface StepResult {
  tag: string;
  offeredPerSecond: number;
  seconds: number;
  placed: number;
  completedPerSecond: number;
  /**
   * Calls of the step that did not end as a settled ANSWERED CDR (refused, failed, missing, never
   * originated), except those the daemon's admission limit turned away (`overload`).
   */
  failed: number;
  /** Calls refused at once because too many were in set-up (FAILED OVERLOAD CDRs): the daemon shedding load it cannot carry. */
  overload: number;
  failures: Record<string, number>;
  drained: boolean;
  latency: Summary;
  /** With `sampleDb`: the set-up database work timed during the step from a process of its own (db-sampler.ts). */
  dbSetupUnderLoad: Summary | null;
  cpu: { bench: number | null; daemon: number | null; database: number | null };
  daemonLagP99Ms: number;
  /** Daemon event-loop utilisation over the step (0..1). */
  daemonElu: number;
  /** Daemon CPU time per call placed (ms), over the step. */
  daemonCpuMsPerCall: number | null;
  /** Database server CPU time per call placed (ms), over the step (the whole server: other clients count too). */
  dbCpuMsPerCall: number | null;
  /** Work per call of the step (counted from its start until it drained, divided by calls placed). */
  perCall: PerCall;
}

export interface PerCall {
  sql: Record<string, number>;
  sqlTotal: number;
  /** Queries sent to the database (a pipelined batch of statements is one). */
  sqlRoundTrips: number;
  rest: Record<string, number>;
  restTotal: number;
  events: number;
}

function perCall(
  before: { sql: Record<string, number>; rest: Map<string, number>; events: number },
  after: { sql: Record<string, number>; rest: Map<string, number>; events: number },
  calls: number,
): PerCall {
  const n = Math.max(1, calls);
  const diff = (a: Record<string, number>, b: Record<string, number>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const k of Object.keys(b)) {
      const d = (b[k] ?? 0) - (a[k] ?? 0);
      if (d > 0) out[k] = Math.round((d / n) * 100) / 100;
    }
    return out;
  };
  const { 'round trips': roundTrips = 0, ...sql } = diff(before.sql, after.sql);
  const rest = diff(Object.fromEntries(before.rest), Object.fromEntries(after.rest));
  const sum = (o: Record<string, number>): number =>
    Math.round(Object.values(o).reduce((x, y) => x + y, 0) * 100) / 100;
  return {
    sql,
    sqlTotal: sum(sql),
    sqlRoundTrips: roundTrips,
    rest,
    restTotal: sum(rest),
    events: Math.round(((after.events - before.events) / n) * 100) / 100,
  };
}

export interface LoadResult {
  steps: StepResult[];
  saturation: number;
  latencyRun: StepResult | null;
}

let serial = 0;

async function settledAnswered(stack: Stack, tag: string): Promise<number> {
  const [row] = (await stack.opened.db
    .knex('astcdr')
    .where('uniqueid', 'like', `${tag}-%`)
    .andWhere({ status: 'settled', disposition: 'ANSWERED' })
    .count({ n: '*' })) as [{ n: unknown }];
  return Number(row.n);
}

async function outcomes(
  stack: Stack,
  tag: string,
  placed: number,
): Promise<{ failed: number; overload: number; failures: Record<string, number> }> {
  const rows = (await stack.opened.db
    .knex('astcdr')
    .where('uniqueid', 'like', `${tag}-%`)
    .select('status', 'disposition', 'reason')
    .count({ n: '*' })
    .groupBy('status', 'disposition', 'reason')) as Array<{
    status: string;
    disposition: string | null;
    reason: string | null;
    n: unknown;
  }>;
  const failures: Record<string, number> = {};
  let good = 0;
  let recorded = 0;
  let overload = 0;
  for (const r of rows) {
    const n = Number(r.n);
    recorded += n;
    if (r.reason === 'OVERLOAD') overload += n;
    if (r.status === 'settled' && r.disposition === 'ANSWERED' && r.reason === null) good += n;
    else failures[`${r.status}/${r.disposition ?? '-'}/${r.reason ?? '-'}`] = n;
  }
  if (recorded < placed) failures['no CDR'] = placed - recorded;
  const notStasis = stack.sim
    .failedStasisCalls()
    .filter((f) => f.channelId.startsWith(`${tag}-`)).length;
  if (notStasis > 0) failures['not in Stasis (app inactive)'] = notStasis;
  return { failed: placed - good - overload, overload, failures };
}

const sleepUntil = (t: number): Promise<void> =>
  new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));

/** Offers calls at `rate`/s for `seconds` and measures what the stack completed. */
export async function runStep(
  stack: Stack,
  rate: number,
  seconds: number,
  talkMs: number,
  drainMs: number,
  sampleDb = false,
): Promise<StepResult> {
  serial += 1;
  const tag = `ld${serial}r${rate}`;
  const accounts: BenchAccount[] = stack.accounts;
  const dbPid = findDatabasePid();
  const sampler = sampleDb ? await startDbSampler(stack.dbUrl, stack.accounts, `${tag}-db`) : null;
  stack.tracker.resetLatency();
  await stack.daemon.probe(true);
  const p0 = await stack.daemon.probe();
  const k0 = { sql: p0.sql, ...stack.tracker.counters() };
  const cpu0 = {
    bench: selfCpuUs(),
    daemon: p0.cpuUs,
    database: dbPid ? processCpuUs(dbPid) : null,
  };
  const t0 = performance.now();
  const durationMs = seconds * 1000;
  let placed = 0;
  const total = Math.round(rate * seconds);
  const place = (all = false): void => {
    const due = all ? total : Math.min(Math.floor(((performance.now() - t0) / 1000) * rate), total);
    for (; placed < due; placed++) {
      const account = accounts[(serial * 7919 + placed) % accounts.length]!;
      stack.sim.placeCall({
        channelId: `${tag}-${placed}`,
        exten: `${LOAD_PREFIX}555${String(placed % 10000).padStart(4, '0')}`,
        accountcode: account.name,
        callerId: `"Bench" <${1000 + (placed % 9000)}>`,
      });
    }
  };
  const ticker = setInterval(() => place(), 5);
  const windowStart = t0 + talkMs + 1000;
  const windowEnd = t0 + durationMs + talkMs;
  await sleepUntil(windowStart);
  const c0 = await settledAnswered(stack, tag);
  const w0 = performance.now();
  await sleepUntil(t0 + durationMs);
  place(true);
  clearInterval(ticker);
  const dbSetupUnderLoad = sampler ? await sampler.stop() : null;
  await sleepUntil(windowEnd);
  const c1 = await settledAnswered(stack, tag);
  const w1 = performance.now();
  const wall = performance.now() - t0;
  const probe = await stack.daemon.probe(true);
  const db1 = dbPid ? processCpuUs(dbPid) : null;
  const cpu = {
    bench: percentOfCore(cpu0.bench, selfCpuUs(), wall),
    daemon: percentOfCore(cpu0.daemon, probe.cpuUs, wall),
    database: percentOfCore(cpu0.database, db1, wall),
  };
  const drained = await drain(stack, drainMs);
  const k1 = { sql: (await stack.daemon.probe()).sql, ...stack.tracker.counters() };
  const { failed, overload, failures } = await outcomes(stack, tag, placed);
  return {
    tag,
    offeredPerSecond: rate,
    seconds,
    placed,
    completedPerSecond: ((c1 - c0) / (w1 - w0)) * 1000,
    failed,
    overload,
    failures,
    drained,
    latency: stack.tracker.latency.summary(),
    dbSetupUnderLoad,
    cpu,
    daemonLagP99Ms: probe.lag.p99 / 1e6,
    daemonElu: probe.elu,
    daemonCpuMsPerCall: placed > 0 ? (probe.cpuUs - cpu0.daemon) / 1000 / placed : null,
    dbCpuMsPerCall:
      placed > 0 && db1 !== null && cpu0.database !== null
        ? (db1 - cpu0.database) / 1000 / placed
        : null,
    perCall: perCall(k0, k1, placed),
  };
}

export function describeStep(r: StepResult): string {
  const c = (v: number | null) => (v === null ? '?' : `${v.toFixed(0)}%`);
  return (
    `  offered ${r.offeredPerSecond}/s: completed ${r.completedPerSecond.toFixed(1)}/s, failed ${r.failed}` +
    `${r.drained ? '' : ' (NOT drained)'}, set-up p50 ${(r.latency.p50 / 1000).toFixed(2)} ms p99 ${(r.latency.p99 / 1000).toFixed(2)} ms, ` +
    `CPU bench+sim ${c(r.cpu.bench)} daemon ${c(r.cpu.daemon)} (ELU ${(r.daemonElu * 100).toFixed(0)}%, ${r.daemonCpuMsPerCall?.toFixed(1) ?? '?'} ms/call) db ${c(r.cpu.database)}`
  );
}

export async function measureLoad(
  stack: Stack,
  opts: { rates: number[]; stepSeconds: number; talkMs: number; latencySeconds: number },
  log: (line: string) => void,
): Promise<LoadResult> {
  const steps: StepResult[] = [];
  let best = 0;
  for (const rate of opts.rates) {
    const r = await runStep(stack, rate, opts.stepSeconds, opts.talkMs, 60_000);
    steps.push(r);
    log(describeStep(r));
    const rising = r.completedPerSecond > best * 1.05;
    best = Math.max(best, r.completedPerSecond);
    if (r.failed > 0 || r.overload > 0 || !r.drained) break;
    if (r.completedPerSecond < 0.9 * rate || !rising) break;
  }
  let latencyRun: StepResult | null = null;
  const half = Math.max(1, Math.round(best / 2));
  if (best > 0 && (await drain(stack, 120_000))) {
    latencyRun = await runStep(stack, half, opts.latencySeconds, opts.talkMs, 60_000, true);
    log(`  latency run at 50% of saturation:`);
    log(describeStep(latencyRun));
  } else {
    log('  the stack did not drain; no latency run');
  }
  return { steps, saturation: best, latencyRun };
}

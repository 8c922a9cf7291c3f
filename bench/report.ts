/** Renders one bench run as Markdown (printed, and written to bench/RESULTS.md), targets beside measurements. */
import type { CeilingResult } from './ceiling.js';
import type { LoadResult, StepResult } from './load.js';
import type { Machine } from './machine.js';
import type { ScaleResult } from './scale.js';
import type { Audit } from './verify.js';
import { ms } from './stats.js';

export interface BenchReport {
  machine: Machine;
  loadAverage: number[];
  settings: Record<string, string | number>;
  ceiling: CeilingResult | null;
  load: LoadResult | null;
  scale: ScaleResult | null;
  audits: Array<{ part: string; audit: Audit }>;
  notes: string[];
}

export const TARGETS = {
  ratioToCeiling: 0.8,
  setupOverDbMs: 5,
  scaleCalls: 10_000,
  scaleRssMB: 300,
  scaleLagP99Ms: 20,
};

const verdict = (ok: boolean | null): string =>
  ok === null ? 'n/a' : ok ? '**met**' : '**NOT met**';
const pct = (v: number | null): string => (v === null ? '?' : `${v.toFixed(0)}%`);

export interface Verdicts {
  ratio: number | null;
  ratioOk: boolean | null;
  setupOverDbMs: number | null;
  setupOk: boolean | null;
  /** The same against the set-up database work measured during the latency run (like for like). */
  setupOverLoadedDbMs: number | null;
  setupLoadedOk: boolean | null;
  scaleLevel: ScaleResult['levels'][number] | null;
  scaleOk: boolean | null;
  misbilled: number;
}

export function verdicts(r: BenchReport): Verdicts {
  const ceiling = r.ceiling?.spread.callsPerSecond ?? null;
  const ratio = ceiling && r.load ? r.load.saturation / ceiling : null;
  const lat = r.load?.latencyRun?.latency;
  const setupOverDbMs = lat && r.ceiling ? (lat.p99 - r.ceiling.roundTrips.setup.p99) / 1000 : null;
  const loadedDb = r.load?.latencyRun?.dbSetupUnderLoad;
  const setupOverLoadedDbMs =
    lat && loadedDb && loadedDb.count > 0 ? (lat.p99 - loadedDb.p99) / 1000 : null;
  const levels = r.scale?.levels ?? [];
  const scaleLevel =
    levels.find((l) => l.calls === TARGETS.scaleCalls) ?? levels[levels.length - 1] ?? null;
  const scaleOk = scaleLevel
    ? scaleLevel.calls >= TARGETS.scaleCalls &&
      scaleLevel.bridged >= scaleLevel.calls &&
      scaleLevel.rssMB < TARGETS.scaleRssMB &&
      scaleLevel.lagP99Ms < TARGETS.scaleLagP99Ms
    : null;
  return {
    ratio,
    ratioOk: ratio === null ? null : ratio >= TARGETS.ratioToCeiling,
    setupOverDbMs,
    setupOk: setupOverDbMs === null ? null : setupOverDbMs < TARGETS.setupOverDbMs,
    setupOverLoadedDbMs,
    setupLoadedOk:
      setupOverLoadedDbMs === null ? null : setupOverLoadedDbMs < TARGETS.setupOverDbMs,
    scaleLevel,
    scaleOk,
    misbilled: r.audits.reduce((s, a) => s + a.audit.misbilled, 0),
  };
}

function stepRow(s: StepResult): string {
  const fails = Object.entries(s.failures)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return `| ${s.offeredPerSecond} | ${s.placed} | ${s.completedPerSecond.toFixed(1)} | ${s.failed}${fails ? ` (${fails})` : ''}${s.drained ? '' : ', not drained'} | ${ms(s.latency.p50)} / ${ms(s.latency.p95)} / ${ms(s.latency.p99)} | ${s.daemonLagP99Ms.toFixed(1)} | ${(s.daemonElu * 100).toFixed(0)}% | ${pct(s.cpu.daemon)} / ${pct(s.cpu.database)} / ${pct(s.cpu.bench)} | ${s.daemonCpuMsPerCall?.toFixed(1) ?? '?'} |`;
}

/** ms of CPU per call from a % of one core at a rate of calls/s. */
const msPerCall = (percent: number | null, perSecond: number): number | null =>
  percent === null || perSecond <= 0 ? null : (percent * 10) / perSecond;

/**
 * Where the CPU of one call goes, in the ceiling and through the stack (at 50% of saturation, where
 * the processes do not queue for the cores), and the most the stack could complete on this machine
 * if the daemon itself cost nothing: the database and the simulator alone use up the cores there.
 */
function cpuBudget(r: BenchReport): string[] | null {
  const c = r.ceiling?.spread;
  const run = r.load?.latencyRun;
  if (!c || !run || run.completedPerSecond <= 0) return null;
  const rate = run.completedPerSecond;
  const ceil = {
    client: msPerCall(c.cpu.client, c.callsPerSecond),
    db: msPerCall(c.cpu.db, c.callsPerSecond),
  };
  const stack = {
    daemon: msPerCall(run.cpu.daemon, rate),
    db: msPerCall(run.cpu.database, rate),
    sim: msPerCall(run.cpu.bench, rate),
  };
  if (
    ceil.client === null ||
    ceil.db === null ||
    stack.daemon === null ||
    stack.db === null ||
    stack.sim === null
  )
    return null;
  const f = (x: number): string => x.toFixed(2);
  const cores = r.machine.cores;
  const bound = (cores * 1000) / (stack.db + stack.sim);
  const boundLean = (cores * 1000) / (ceil.client + stack.db + stack.sim);
  const ceilingRate = c.callsPerSecond;
  return [
    `CPU per call (ms of one core; the stack at ${rate.toFixed(0)} calls/s, 50% of saturation):`,
    '',
    '| | client (ceiling) or daemon | database | simulator + load generator | total |',
    '| --- | --- | --- | --- | --- |',
    `| ceiling | ${f(ceil.client)} | ${f(ceil.db)} | — | ${f(ceil.client + ceil.db)} |`,
    `| stack | ${f(stack.daemon)} | ${f(stack.db)} | ${f(stack.sim)} | ${f(stack.daemon + stack.db + stack.sim)} |`,
    '',
    `On ${cores} cores shared by all three processes, the database and the simulator alone cap the stack at ${bound.toFixed(0)} calls/s (${((bound / ceilingRate) * 100).toFixed(0)}% of the ceiling) even with a daemon that used no CPU, and at ${boundLean.toFixed(0)} calls/s (${((boundLean / ceilingRate) * 100).toFixed(0)}%) with a daemon as cheap per call as the ceiling's own client.`,
  ];
}

export function renderReport(r: BenchReport): string {
  const m = r.machine;
  const v = verdicts(r);
  const out: string[] = [];
  out.push('# astbill benchmark results', '');
  out.push(`- Date: ${m.date}`);
  out.push(
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}; load average at start ${r.loadAverage.map((x) => x.toFixed(2)).join(' ')}`,
  );
  out.push(`- Node ${m.node}; ${m.database}`);
  out.push(`- Reproduce: \`${m.command}\``);
  out.push(
    `- Settings: ${Object.entries(r.settings)
      .map(([k, val]) => `${k} ${val}`)
      .join(', ')}`,
  );
  out.push('');
  out.push('## Targets', '');
  out.push('| target | measured | verdict |', '| --- | --- | --- |');
  out.push(
    `| completed calls/s ≥ ${TARGETS.ratioToCeiling * 100}% of the database ceiling | ${r.load ? r.load.saturation.toFixed(1) : '?'} / ${r.ceiling ? r.ceiling.spread.callsPerSecond.toFixed(1) : '?'} calls/s = ${v.ratio === null ? '?' : (v.ratio * 100).toFixed(0) + '%'} | ${verdict(v.ratioOk)} |`,
  );
  out.push(
    `| set-up latency p99 < ${TARGETS.setupOverDbMs} ms above the database's own round trips | ${r.load?.latencyRun ? ms(r.load.latencyRun.latency.p99) : '?'} ms − ${r.ceiling ? ms(r.ceiling.roundTrips.setup.p99) : '?'} ms = ${v.setupOverDbMs === null ? '?' : v.setupOverDbMs.toFixed(2)} ms | ${verdict(v.setupOk)} |`,
  );
  const loadedDb = r.load?.latencyRun?.dbSetupUnderLoad;
  if (loadedDb && loadedDb.count > 0) {
    out.push(
      `| the same, against the database's round trips measured during the same run (like for like) | ${ms(r.load!.latencyRun!.latency.p99)} ms − ${ms(loadedDb.p99)} ms = ${v.setupOverLoadedDbMs!.toFixed(2)} ms | ${verdict(v.setupLoadedOk)} |`,
    );
  }
  out.push(
    `| ${TARGETS.scaleCalls} concurrent calls in < ${TARGETS.scaleRssMB} MB RSS, loop lag p99 < ${TARGETS.scaleLagP99Ms} ms | ${v.scaleLevel ? `${v.scaleLevel.calls} calls (${v.scaleLevel.bridged} bridged): ${v.scaleLevel.rssMB.toFixed(0)} MB, ${v.scaleLevel.lagP99Ms.toFixed(1)} ms` : '?'} | ${verdict(v.scaleOk)} |`,
  );
  const overload = r.load
    ? r.load.steps.reduce((s, x) => s + (x.overload ?? 0), 0) + (r.load.latencyRun?.overload ?? 0)
    : 0;
  const shed =
    overload > 0
      ? ` (besides ${overload} turned away at once as OVERLOAD above saturation, by design)`
      : '';
  out.push(
    `| failed or mis-billed calls = 0 | ${v.misbilled} mis-billed; ${r.load ? r.load.steps.reduce((s, x) => s + x.failed, 0) + (r.load.latencyRun?.failed ?? 0) : 0} failed${shed} | ${verdict(v.misbilled === 0 && (r.load ? r.load.steps.every((s) => s.failed === 0) && (r.load.latencyRun?.failed ?? 0) === 0 : true))} |`,
  );
  out.push('');

  if (r.ceiling) {
    const c = r.ceiling;
    out.push(
      '## 1. Database ceiling (authorise + settle through the store, no ARI, no daemon)',
      '',
    );
    out.push(
      '| accounts | concurrency | calls/s | authorise p50 / p99 ms | settle p50 / p99 ms | refused | errors | CPU client / db |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const run of [c.spread, c.hot]) {
      out.push(
        `| ${run.label} | ${run.concurrency} | ${run.callsPerSecond.toFixed(1)} | ${ms(run.authorise.p50)} / ${ms(run.authorise.p99)} | ${ms(run.settle.p50)} / ${ms(run.settle.p99)} | ${run.refused} | ${run.errors} | ${pct(run.cpu.client)} / ${pct(run.cpu.db)} |`,
      );
    }
    const rt = c.roundTrips;
    out.push('');
    out.push(
      `Round trips on an idle database, one at a time (${rt.setup.count} samples), p50 / p95 / p99 ms:`,
    );
    out.push(`- \`SELECT 1\`: ${ms(rt.ping.p50)} / ${ms(rt.ping.p95)} / ${ms(rt.ping.p99)}`);
    out.push(
      `- authorise alone: ${ms(rt.authorise.p50)} / ${ms(rt.authorise.p95)} / ${ms(rt.authorise.p99)}`,
    );
    out.push(
      `- set-up work (accountByNameWithRate + authorise, what precedes the originate): ${ms(rt.setup.p50)} / ${ms(rt.setup.p95)} / ${ms(rt.setup.p99)}`,
    );
    out.push(`- settle alone: ${ms(rt.settle.p50)} / ${ms(rt.settle.p95)} / ${ms(rt.settle.p99)}`);
    out.push('');
  }

  if (r.load) {
    out.push(
      '## 2. Through the stack (daemon in its own process, simulator in the bench process, real clock)',
      '',
    );
    out.push(
      'Set-up latency = StasisStart sent by the simulator → originate request handled by the simulator. CPU = % of one core over the step.',
      '',
    );
    out.push(
      '| offered calls/s | calls | completed calls/s | failed | set-up p50 / p95 / p99 ms | daemon loop lag p99 ms | daemon loop utilisation | CPU daemon / db / bench+sim | daemon CPU ms per call |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const s of r.load.steps) out.push(stepRow(s));
    out.push('');
    out.push(
      `Saturation: **${r.load.saturation.toFixed(1)} completed calls/s**${v.ratio === null ? '' : ` (${(v.ratio * 100).toFixed(0)}% of the ceiling)`}.`,
    );
    if (r.load.latencyRun) {
      out.push('', 'At 50% of saturation:', '');
      out.push(
        '| offered calls/s | calls | completed calls/s | failed | set-up p50 / p95 / p99 ms | daemon loop lag p99 ms | daemon loop utilisation | CPU daemon / db / bench+sim | daemon CPU ms per call |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      );
      out.push(stepRow(r.load.latencyRun));
      const d = r.load.latencyRun.dbSetupUnderLoad;
      if (d && d.count > 0) {
        out.push(
          '',
          `The daemon's set-up database work (account with rate, then authorise), issued straight to the database every 50 ms during this run from a process of its own (bench/db-sampler.ts; ${d.count} samples, each then settled): p50 / p95 / p99 ${ms(d.p50)} / ${ms(d.p95)} / ${ms(d.p99)} ms (idle: ${r.ceiling ? `${ms(r.ceiling.roundTrips.setup.p50)} / ${ms(r.ceiling.roundTrips.setup.p95)} / ${ms(r.ceiling.roundTrips.setup.p99)}` : '?'} ms).`,
        );
      }
    }
    const w = (r.load.latencyRun ?? r.load.steps[0])?.perCall;
    if (w) {
      const fmt = (o: Record<string, number>): string =>
        Object.entries(o)
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${n} ${k}`)
          .join(', ');
      out.push(
        '',
        'Work per call (one answered call: set-up, talk, settle), counted at the driver and at the simulator:',
        '',
      );
      out.push(
        `- SQL statements sent by the daemon: **${w.sqlTotal}** in **${w.sqlRoundTrips}** round trips (${fmt(w.sql)})`,
      );
      out.push(`- ARI REST requests: **${w.restTotal}** (${fmt(w.rest)})`);
      out.push(`- ARI events sent to the daemon: **${w.events}**`);
    }
    out.push('');
    const budget = cpuBudget(r);
    if (budget) out.push(...budget, '');
  }

  if (r.scale) {
    const s = r.scale;
    out.push('## 3. Scale (concurrent live calls held up)', '');
    out.push(
      `Idle daemon: RSS ${s.baseline.rssMB.toFixed(0)} MB, heap ${s.baseline.heapMB.toFixed(0)} MB, loop lag p99 ${s.baseline.lagP99Ms.toFixed(1)} ms.`,
      '',
    );
    out.push(
      '| live calls | bridged | reservations | RSS MB | RSS after GC MB | live heap / V8 heap total / external MB | loop lag p50 / p99 / max ms | ramp s |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const l of s.levels) {
      out.push(
        `| ${l.calls} | ${l.bridged} | ${l.reservations} | ${l.rssMB.toFixed(0)} | ${l.rssAfterGcMB.toFixed(0)} | ${l.heapAfterGcMB.toFixed(0)} / ${l.heapTotalMB.toFixed(0)} / ${l.externalMB.toFixed(0)} | ${l.lagP50Ms.toFixed(1)} / ${l.lagP99Ms.toFixed(1)} / ${l.lagMaxMs.toFixed(1)} | ${l.rampSeconds.toFixed(1)} |`,
      );
    }
    out.push('');
    if (s.rssPerCallKiB !== null && s.heapPerCallKiB !== null) {
      out.push(
        `Growth from the first to the last level: ${s.rssPerCallKiB.toFixed(1)} KiB of RSS and ${s.heapPerCallKiB.toFixed(1)} KiB of live heap per extra live call.`,
      );
    }
    out.push(
      `Teardown (every caller hangs up, every call settled): ${s.teardownSeconds.toFixed(1)} s${s.drained ? '' : ' — NOT drained'}.`,
      '',
    );
  }

  if (r.audits.length > 0) {
    out.push('## Billing audit (after each part)', '');
    out.push(
      '| part | calls | CDRs | reservations left | open CDRs | accounts wrong | ledger wrong | cost wrong | billsec off > 1 s | billsec exact | missing CDRs |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const { part, audit: a } of r.audits) {
      out.push(
        `| ${part} | ${a.calls} | ${a.cdrs} | ${a.reservationsLeft} | ${a.openCdrs} | ${a.accountsWrong} | ${a.ledgerWrong} | ${a.costWrong} | ${a.billsecWrong} | ${a.billsecExact} | ${a.missingCdrs} |`,
      );
    }
    out.push('');
  }
  if (r.notes.length > 0) {
    out.push('## Notes', '');
    for (const n of r.notes) out.push(`- ${n}`);
    out.push('');
  }
  return out.join('\n');
}

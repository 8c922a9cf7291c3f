/**
 * Scale: the daemon's RSS and event-loop delay with N concurrent live calls held up (far ends
 * that never hang up, an hour's grant), at rising N; then every caller hangs up and the calls
 * are settled. Calls are ramped at up to `rampRate`/s with at most `window` of them still being
 * set up (placed, not yet bridged), so the ramp never overloads the set-up path: this part
 * measures holding calls, not setting them up. Each level is observed for a while once every
 * call is bridged, with the event-loop histogram reset at the start of the observation; memory
 * is read after a full GC (heap = live objects) as well as before it (RSS as the OS sees it).
 */
import { HOLD_PREFIX } from './bench-db.js';
import type { ProbeReport } from './daemon-probe.js';
import { drain, liveReservations, type Stack } from './stack.js';

export interface ScaleLevel {
  calls: number;
  /** Calls bridged when the observation started (should equal `calls`). */
  bridged: number;
  reservations: number;
  rssMB: number;
  /** RSS and heap after a forced full GC at the end of the observation. */
  rssAfterGcMB: number;
  heapAfterGcMB: number;
  /** V8 heap reserved (used or not) and memory outside it (Buffers etc.), after GC. */
  heapTotalMB: number;
  externalMB: number;
  /** Where the RSS is, before / after the GC (/proc/self/smaps_rollup; null off Linux). */
  breakdown: { before: RssBreakdown; after: RssBreakdown } | null;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /** Seconds the ramp to this level took. */
  rampSeconds: number;
  /** Daemon CPU time (user + system) per call set up during the ramp, ms. */
  cpuMsPerCall: number;
}

/** RSS split, MB: file pages (node binary, libraries) and anonymous memory = V8 heap + the rest. */
export interface RssBreakdown {
  fileMB: number;
  anonMB: number;
  /** V8 heap reserved (heapTotal) and used. */
  heapTotalMB: number;
  heapUsedMB: number;
  /** Buffers and other memory V8 is told about (malloc'd; arrayBuffers a part of it). */
  externalMB: number;
  arrayBuffersMB: number;
  /** Anonymous memory neither V8 heap nor external: malloc arenas (libuv, OpenSSL, zlib, V8's own), stacks, JIT code. */
  otherMB: number;
}

function breakdown(r: ProbeReport): RssBreakdown | null {
  const anon = r.smaps.Anonymous;
  const rss = r.smaps.Rss;
  if (anon === undefined || rss === undefined) return null;
  return {
    fileMB: (rss - anon) / MB,
    anonMB: anon / MB,
    heapTotalMB: r.heapTotal / MB,
    heapUsedMB: r.heapUsed / MB,
    externalMB: r.external / MB,
    arrayBuffersMB: r.arrayBuffers / MB,
    otherMB: (anon - r.heapTotal - r.external) / MB,
  };
}

const fmt = (b: RssBreakdown): string =>
  `file ${b.fileMB.toFixed(0)} + anon ${b.anonMB.toFixed(0)} (V8 heap ${b.heapUsedMB.toFixed(0)}/${b.heapTotalMB.toFixed(0)}, external ${b.externalMB.toFixed(0)} [array buffers ${b.arrayBuffersMB.toFixed(0)}], other native ${b.otherMB.toFixed(0)})`;

export interface ScaleResult {
  baseline: { rssMB: number; heapMB: number; lagP99Ms: number };
  levels: ScaleLevel[];
  /** Extra RSS / live heap per extra live call between the first and the last level, in KiB. */
  rssPerCallKiB: number | null;
  heapPerCallKiB: number | null;
  teardownSeconds: number;
  drained: boolean;
}

const MB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function measureScale(
  stack: Stack,
  opts: {
    levels: number[];
    rampRate: number;
    holdSeconds: number;
    hangupRate: number;
    window: number;
  },
  log: (line: string) => void,
): Promise<ScaleResult> {
  await stack.daemon.probe(true);
  await sleep(Math.min(5000, opts.holdSeconds * 1000));
  const base = await stack.daemon.probe(true, { gc: true });
  const baseline = {
    rssMB: base.rss / MB,
    heapMB: base.heapUsed / MB,
    lagP99Ms: base.lag.p99 / 1e6,
  };
  log(
    `  idle daemon: RSS ${baseline.rssMB.toFixed(0)} MB, heap ${baseline.heapMB.toFixed(0)} MB, loop lag p99 ${baseline.lagP99Ms.toFixed(1)} ms`,
  );
  const levels: ScaleLevel[] = [];
  const ids: string[] = [];
  const accounts = stack.accounts;
  const bridged = (): number => stack.sim.engine.bridges.size;
  for (const target of opts.levels) {
    const cpu0 = (await stack.daemon.probe()).cpuUs;
    const from = ids.length;
    const t0 = performance.now();
    let lastProgress = Date.now();
    let lastBridged = bridged();
    while (ids.length < target || bridged() < target) {
      if (!stack.daemon.running) throw new Error('the daemon exited during the ramp');
      const b = bridged();
      if (b !== lastBridged) {
        lastBridged = b;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > 30_000) {
        log(`  no progress for 30 s at ${b} bridged calls; observing what is up`);
        break;
      }
      const due = Math.min(
        target,
        Math.floor(((performance.now() - t0) / 1000) * opts.rampRate) +
          1 +
          levels.reduce((m, l) => Math.max(m, l.calls), 0),
      );
      while (ids.length < due && ids.length - bridged() < opts.window) {
        const n = ids.length;
        const id = `hold-${n}`;
        ids.push(id);
        stack.sim.placeCall({
          channelId: id,
          exten: `${HOLD_PREFIX}555${String(n % 10000).padStart(4, '0')}`,
          accountcode: accounts[n % accounts.length]!.name,
          callerId: `"Bench" <${1000 + (n % 9000)}>`,
        });
      }
      await sleep(5);
    }
    const rampSeconds = (performance.now() - t0) / 1000;
    const up = bridged();
    const cpu1 = (await stack.daemon.probe(true)).cpuUs;
    await sleep(opts.holdSeconds * 1000);
    const p = await stack.daemon.probe(true);
    const g = await stack.daemon.probe(true, { gc: true });
    const before = breakdown(p);
    const after = breakdown(g);
    const level: ScaleLevel = {
      calls: target,
      bridged: up,
      reservations: await liveReservations(stack.opened),
      rssMB: p.rss / MB,
      rssAfterGcMB: g.rss / MB,
      heapAfterGcMB: g.heapUsed / MB,
      heapTotalMB: g.heapTotal / MB,
      externalMB: g.external / MB,
      breakdown: before && after ? { before, after } : null,
      lagP50Ms: p.lag.p50 / 1e6,
      lagP99Ms: p.lag.p99 / 1e6,
      lagMaxMs: p.lag.max / 1e6,
      rampSeconds,
      cpuMsPerCall: (cpu1 - cpu0) / 1000 / Math.max(1, ids.length - from),
    };
    levels.push(level);
    log(
      `  ${target} live calls (${up} bridged, ${level.reservations} reservations, ramp ${rampSeconds.toFixed(1)} s): RSS ${level.rssMB.toFixed(0)} MB ` +
        `(after GC ${level.rssAfterGcMB.toFixed(0)} MB, heap ${level.heapAfterGcMB.toFixed(0)} of ${level.heapTotalMB.toFixed(0)} MB, external ${level.externalMB.toFixed(0)} MB), loop lag p99 ${level.lagP99Ms.toFixed(1)} ms max ${level.lagMaxMs.toFixed(1)} ms, ` +
        `daemon CPU ${level.cpuMsPerCall.toFixed(2)} ms per call set up`,
    );
    log(
      `    V8 spaces before / after GC, used of reserved MB: ${Object.entries(g.spaces)
        .map(
          ([k, v]) =>
            `${k} ${p.spaces[k]?.usedMB.toFixed(0)}/${p.spaces[k]?.sizeMB.toFixed(0)} → ${v.usedMB.toFixed(0)}/${v.sizeMB.toFixed(0)}`,
        )
        .join(', ')}`,
    );
    if (before && after) log(`    RSS MB before GC: ${fmt(before)}; after GC: ${fmt(after)}`);
  }
  const t1 = performance.now();
  let hung = 0;
  while (hung < ids.length) {
    const settled = ids.length - (await liveReservations(stack.opened));
    const due = Math.min(
      ids.length,
      Math.floor(((performance.now() - t1) / 1000) * opts.hangupRate) + 1,
    );
    for (; hung < due && hung - settled < opts.window; hung++) stack.sim.hangupCaller(ids[hung]!);
    await sleep(20);
  }
  const drained = await drain(stack, 180_000);
  const teardownSeconds = (performance.now() - t1) / 1000;
  log(
    `  all callers hung up (up to ${opts.hangupRate}/s, ${opts.window} unsettled at most); settled and drained in ${teardownSeconds.toFixed(1)} s${drained ? '' : ' (NOT drained)'}`,
  );
  const first = levels[0];
  const last = levels[levels.length - 1];
  const span = first && last ? last.bridged - first.bridged : 0;
  return {
    baseline,
    levels,
    rssPerCallKiB: first && last && span > 0 ? ((last.rssMB - first.rssMB) * 1024) / span : null,
    heapPerCallKiB:
      first && last && span > 0 ? ((last.heapAfterGcMB - first.heapAfterGcMB) * 1024) / span : null,
    teardownSeconds,
    drained,
  };
}

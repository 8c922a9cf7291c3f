/**
 * Preloaded into the daemon child (`node --import tsx --import ./bench/daemon-probe.ts
 * bin/astbill.js start`), so the real `astbill start` runs unchanged while the bench asks it over
 * IPC for its RSS, heap, CPU time and event-loop delay. Loaded only by the bench.
 *
 * Messages in:  { type: 'probe', reset?, gc? }       → replies { type: 'probe', ...ProbeReport }
 *               { type: 'exit' }                     → SIGTERM to itself (the daemon's graceful stop)
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import v8 from 'node:v8';
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';

export interface ProbeReport {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** C++ objects bound to JS (Buffers included) and ArrayBuffers alone. */
  external: number;
  arrayBuffers: number;
  /** CPU time (user + system) since start, µs. */
  cpuUs: number;
  /**
   * Event-loop delay since the last reset, ns: how late perf_hooks' 10 ms sampling timer fired.
   * The histogram records whole intervals (resolution included), so the resolution is subtracted.
   */
  lag: { p50: number; p99: number; max: number; mean: number; count: number };
  /** Event-loop utilisation (0..1) since the last reset: near 1 means the daemon's one thread is the bottleneck. */
  elu: number;
  /** SQL statements the daemon sent since start, by kind ('select', 'select for update', 'insert', 'begin', ...), and 'round trips' (queries sent, a pipelined batch counting once). */
  sql: Record<string, number>;
  /** V8 heap spaces (new, old, code, large object, ...): MB reserved and MB used. */
  spaces: Record<string, { sizeMB: number; usedMB: number }>;
  /**
   * /proc/self/smaps_rollup in bytes (Linux; empty elsewhere): Rss, Anonymous (heap, malloc, stacks),
   * the rest of Rss being file pages (the node binary and libraries as far as they were touched).
   */
  smaps: Record<string, number>;
}

function smaps(): Record<string, number> {
  try {
    const out: Record<string, number> = {};
    for (const m of readFileSync('/proc/self/smaps_rollup', 'utf8').matchAll(
      /^(\w+):\s+(\d+) kB$/gm,
    ))
      out[m[1]!] = Number(m[2]) * 1024;
    return out;
  } catch {
    return {};
  }
}

const sql: Record<string, number> = {};
/** ASTBILL_PROBE_SQL_TRACE=file: every round trip's text, one a line (to see which statements a call costs). */
const trace = process.env.ASTBILL_PROBE_SQL_TRACE ?? null;
/**
 * ASTBILL_PROBE_HEAP_DIR=dir: a heap snapshot (Chrome DevTools format) after every probe that asks
 * for a GC (the scale part: idle, then each level), named by pid and a sequence number, to see
 * what each live call retains. Writing one blocks the daemon for seconds: for analysis runs only.
 */
const heapDir = process.env.ASTBILL_PROBE_HEAP_DIR ?? null;
let heapSeq = 0;

/** Counts queries at the driver (mysql2 Connection#query, which knex uses) and their statements by first keyword. */
function countStatements(): void {
  try {
    const require = createRequire(join(process.cwd(), 'package.json'));
    const { Connection } = require('mysql2') as {
      Connection: { prototype: { query: (...a: unknown[]) => unknown } };
    };
    const original = Connection.prototype.query;
    Connection.prototype.query = function (this: unknown, ...args: unknown[]) {
      const first = args[0];
      const text =
        typeof first === 'string'
          ? first
          : typeof (first as { sql?: unknown })?.sql === 'string'
            ? (first as { sql: string }).sql
            : '';
      sql['round trips'] = (sql['round trips'] ?? 0) + 1;
      if (trace) appendFileSync(trace, text.replace(/\s+/g, ' ') + '\n');
      // A pipelined transaction (daemon/src/store/mysql-client.ts) joins its statements with ';\n'.
      for (const statement of text.split(/;\n/)) {
        let kind = (/^\s*(\w+)/.exec(statement)?.[1] ?? '?').toLowerCase();
        if (kind === 'select' && /for update\s*$/i.test(statement)) kind = 'select for update';
        sql[kind] = (sql[kind] ?? 0) + 1;
      }
      return original.apply(this, args);
    };
  } catch {
    // no mysql2 (SQLite daemon): nothing to count
  }
}
countStatements();

const RESOLUTION_MS = 10;
const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
const late = (ns: number): number => Math.max(0, ns - RESOLUTION_MS * 1e6);
loop.enable();
let eluFrom: EventLoopUtilization = performance.eventLoopUtilization();

function report(): ProbeReport {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    heapTotal: mem.heapTotal,
    external: mem.external,
    arrayBuffers: mem.arrayBuffers,
    cpuUs: cpu.user + cpu.system,
    lag: {
      p50: late(loop.percentile(50)),
      p99: late(loop.percentile(99)),
      max: late(loop.max),
      mean: late(loop.mean),
      count: loop.count,
    },
    elu: performance.eventLoopUtilization(eluFrom).utilization,
    sql: { ...sql },
    spaces: Object.fromEntries(
      v8
        .getHeapSpaceStatistics()
        .map((sp) => [
          sp.space_name,
          { sizeMB: sp.space_size / 2 ** 20, usedMB: sp.space_used_size / 2 ** 20 },
        ]),
    ),
    smaps: smaps(),
  };
}

if (process.send) {
  process.on('message', (m: { type?: string; reset?: boolean; gc?: boolean }) => {
    if (m?.type === 'probe') {
      // With --expose-gc (the bench passes it), a full collection first: heapUsed is then live memory.
      const gc = (globalThis as { gc?: () => void }).gc;
      if (m.gc && gc) gc();
      process.send?.({ type: 'probe', ...report() });
      // After the reply, so that the probe's own timeout does not count the (long) write.
      if (m.gc && heapDir) {
        mkdirSync(heapDir, { recursive: true });
        v8.writeHeapSnapshot(join(heapDir, `daemon-${process.pid}-${++heapSeq}.heapsnapshot`));
      }
      if (m.reset) {
        loop.reset();
        eluFrom = performance.eventLoopUtilization();
      }
    } else if (m?.type === 'exit') {
      process.kill(process.pid, 'SIGTERM');
    }
  });
  // The IPC channel must not keep the daemon alive once it has stopped.
  process.channel?.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

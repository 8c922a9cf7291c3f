/**
 * The database's own ceiling: the authorise and settle transactions of a call issued straight to
 * MariaDB through the store (same knex + mysql2 driver, same pool size as the daemon), with no ARI
 * and no daemon. Also the round trips a call's set-up needs when the database is otherwise idle
 * (account with rate, then authorise), the yardstick of the set-up latency target.
 */
import type { OpenedStore } from '../daemon/src/store/index.js';
import type { AuthoriseRequest } from '../daemon/src/session/ports.js';
import { RATES, type BenchAccount } from './bench-db.js';
import { findDatabasePid, percentOfCore, processCpuUs, selfCpuUs } from './cpu.js';
import { Samples, type Summary } from './stats.js';

export interface CeilingRun {
  label: string;
  concurrency: number;
  seconds: number;
  calls: number;
  callsPerSecond: number;
  refused: number;
  errors: number;
  authorise: Summary;
  settle: Summary;
  /** CPU over the measured window, % of one core: this client process and the database server (null when not local). */
  cpu: { client: number | null; db: number | null };
}

export interface RoundTrips {
  /** SELECT 1. */
  ping: Summary;
  /** accountByNameWithRate + authorise, sequential, idle database: what the daemon does before originating. */
  setup: Summary;
  authorise: Summary;
  settle: Summary;
}

export interface CeilingResult {
  spread: CeilingRun;
  hot: CeilingRun;
  roundTrips: RoundTrips;
}

const loadRate = RATES[0]!;
let seq = 0;

function request(account: BenchAccount, prefix: string): AuthoriseRequest {
  seq += 1;
  return {
    uniqueid: `ceil-${process.pid}-${prefix}-${seq}`,
    accountId: account.id,
    src: '1000',
    dst: `1555${String(seq % 10000).padStart(4, '0')}`,
    rate: loadRate,
    node: 'bench-ceiling',
    defaultMaxSeconds: 3600,
    start: new Date(),
  };
}

/** One call's money work: authorise, then settle 1 billed second. Returns false when refused. */
async function oneCall(
  opened: OpenedStore,
  account: BenchAccount,
  tag: string,
  auth?: Samples,
  settleS?: Samples,
): Promise<boolean> {
  const req = request(account, tag);
  const t0 = performance.now();
  const r = await opened.store.authorise(req);
  auth?.addSince(t0);
  if (!r.ok) return false;
  const answer = new Date();
  const t1 = performance.now();
  await opened.store.settle({
    uniqueid: req.uniqueid,
    disposition: 'ANSWERED',
    hangupCause: 16,
    answer,
    end: new Date(answer.getTime() + 1000),
    billsec: 1,
  });
  settleS?.addSince(t1);
  return true;
}

async function run(
  opened: OpenedStore,
  label: string,
  pick: (i: number) => BenchAccount,
  concurrency: number,
  seconds: number,
): Promise<CeilingRun> {
  const warmupMs = Math.min(1000, seconds * 200);
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + seconds * 1000;
  const auth = new Samples();
  const settleS = new Samples();
  let calls = 0;
  let refused = 0;
  let errors = 0;
  let i = 0;
  const dbPid = findDatabasePid();
  let cpuAt: { wall: number; client: number; db: number | null } | null = null;
  let cpuEnd: { wall: number; client: number; db: number | null } | null = null;
  const readCpu = () => ({
    wall: performance.now(),
    client: selfCpuUs(),
    db: dbPid === null ? null : processCpuUs(dbPid),
  });
  const worker = async () => {
    while (performance.now() < end) {
      const measuring = performance.now() >= measureFrom;
      if (measuring && cpuAt === null) cpuAt = readCpu();
      try {
        const ok = await oneCall(
          opened,
          pick(i++),
          label,
          measuring ? auth : undefined,
          measuring ? settleS : undefined,
        );
        if (!measuring) continue;
        if (ok && performance.now() <= end) calls += 1;
        if (performance.now() > end && cpuEnd === null) cpuEnd = readCpu();
        if (!ok) refused += 1;
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const from = cpuAt as { wall: number; client: number; db: number | null } | null;
  const to = (cpuEnd ?? readCpu()) as { wall: number; client: number; db: number | null };
  const wall = from ? to.wall - from.wall : 0;
  return {
    label,
    concurrency,
    seconds,
    calls,
    callsPerSecond: calls / seconds,
    refused,
    errors,
    authorise: auth.summary(),
    settle: settleS.summary(),
    cpu: {
      client: from ? percentOfCore(from.client, to.client, wall) : null,
      db: from ? percentOfCore(from.db, to.db, wall) : null,
    },
  };
}

/**
 * One call's database work as the daemon does it, timed: what precedes the originate (the
 * account with the rate, one query; then authorise), then settle. Samples in µs.
 */
export async function timedCallWork(
  opened: OpenedStore,
  account: BenchAccount,
  tag: string,
  into: { setup: Samples; authorise?: Samples; settle?: Samples },
): Promise<void> {
  const req = request(account, tag);
  const t = performance.now();
  await opened.store.accountByNameWithRate(account.name, req.dst);
  const t1 = performance.now();
  const r = await opened.store.authorise(req);
  const t2 = performance.now();
  into.setup.add((t2 - t) * 1000);
  into.authorise?.add((t2 - t1) * 1000);
  if (!r.ok) return;
  await opened.store.settle({
    uniqueid: req.uniqueid,
    disposition: 'ANSWERED',
    hangupCause: 16,
    answer: new Date(),
    end: new Date(),
    billsec: 1,
  });
  into.settle?.addSince(t2);
}

async function roundTrips(
  opened: OpenedStore,
  accounts: BenchAccount[],
  n: number,
): Promise<RoundTrips> {
  const ping = new Samples();
  const into = { setup: new Samples(), authorise: new Samples(), settle: new Samples() };
  for (let k = 0; k < n; k++) {
    const t = performance.now();
    await opened.db.knex.raw('select 1');
    ping.addSince(t);
    await timedCallWork(opened, accounts[k % accounts.length]!, 'rt', into);
  }
  return {
    ping: ping.summary(),
    setup: into.setup.summary(),
    authorise: into.authorise.summary(),
    settle: into.settle.summary(),
  };
}

export async function measureCeiling(
  opened: OpenedStore,
  accounts: BenchAccount[],
  opts: { concurrency: number; seconds: number; roundTripSamples: number },
  log: (line: string) => void,
): Promise<CeilingResult> {
  const rt = await roundTrips(opened, accounts, opts.roundTripSamples);
  log(
    `  idle round trips: authorise p50 ${(rt.authorise.p50 / 1000).toFixed(2)} ms, set-up work p99 ${(rt.setup.p99 / 1000).toFixed(2)} ms`,
  );
  const spread = await run(
    opened,
    `${accounts.length} accounts`,
    (i) => accounts[i % accounts.length]!,
    opts.concurrency,
    opts.seconds,
  );
  log(
    `  spread over ${accounts.length} accounts: ${spread.callsPerSecond.toFixed(0)} calls/s, CPU client ${spread.cpu.client?.toFixed(0)}% db ${spread.cpu.db?.toFixed(0)}%`,
  );
  const hot = await run(
    opened,
    'one hot account',
    () => accounts[0]!,
    opts.concurrency,
    opts.seconds,
  );
  log(`  one hot account: ${hot.callsPerSecond.toFixed(0)} calls/s`);
  return { spread, hot, roundTrips: rt };
}

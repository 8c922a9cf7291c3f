/**
 * The daemon's set-up database work (account with rate, then authorise; each sample then settled)
 * timed every DB_SAMPLE_MS from a process of its own while the stack is under load: the
 * database's own round trips under the same load, the like-for-like yardstick of the set-up
 * latency. Its own process, as the daemon has one, so that the busy bench process (simulator and
 * load generator) does not slow the yardstick down.
 *
 * load.ts forks this file; the child opens its own store, samples until told to stop and sends
 * back the summary.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchAccount } from './bench-db.js';
import { openBenchStore } from './bench-db.js';
import { timedCallWork } from './ceiling.js';
import { Samples, type Summary } from './stats.js';

const DB_SAMPLE_MS = 50;

interface StartMessage {
  type: 'start';
  dbUrl: string;
  accounts: BenchAccount[];
  tag: string;
}

export interface DbSampler {
  /** Stops sampling and returns the set-up work's summary (µs). */
  stop(): Promise<Summary>;
}

/** Starts sampling in a child process; resolves once the child has its database connection. */
export function startDbSampler(
  dbUrl: string,
  accounts: BenchAccount[],
  tag: string,
): Promise<DbSampler> {
  const child = fork(fileURLToPath(import.meta.url), ['--child'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const summary = new Promise<Summary>((resolve, reject) => {
    child.on('message', (m: { type?: string; summary?: Summary }) => {
      if (m.type === 'summary' && m.summary) resolve(m.summary);
    });
    child.once('exit', (code) =>
      reject(new Error(`the database sampler exited (${code}) without a summary`)),
    );
  });
  summary.catch(() => undefined);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (m: { type?: string }) => {
      if (m.type === 'ready') resolve({ stop: () => (child.send({ type: 'stop' }), summary) });
    });
    child.send({ type: 'start', dbUrl, accounts, tag } satisfies StartMessage);
  });
}

async function child(): Promise<void> {
  const start = await new Promise<StartMessage>((resolve) =>
    process.once('message', (m: StartMessage) => resolve(m)),
  );
  const opened = await openBenchStore(start.dbUrl, 1);
  let stopping = false;
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'stop') stopping = true;
  });
  process.send?.({ type: 'ready' });
  const into = { setup: new Samples() };
  for (let k = 0; !stopping; k++) {
    await timedCallWork(opened, start.accounts[(k * 31) % start.accounts.length]!, start.tag, into);
    await new Promise((r) => setTimeout(r, DB_SAMPLE_MS));
  }
  await opened.close();
  process.send?.({ type: 'summary', summary: into.setup.summary() }, () => process.exit(0));
}

if (process.argv[2] === '--child' && process.send) {
  child().catch((err: unknown) => {
    process.stderr.write(`db-sampler: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

/**
 * The whole stack for one part of the bench: a fresh seeded database, the simulator in this process,
 * the daemon in a child process connected to it, and a small pool of our own for counting rows.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AriSimulator } from '../daemon/src/sim/index.js';
import type { OpenedStore } from '../daemon/src/store/index.js';
import { freshBenchDatabase, type BenchAccount } from './bench-db.js';
import { DaemonProcess } from './daemon-process.js';
import { APP, CallTracker, startSimulator } from './sim-host.js';

export interface Stack {
  sim: AriSimulator;
  tracker: CallTracker;
  daemon: DaemonProcess;
  opened: OpenedStore;
  accounts: BenchAccount[];
  /** The bench database (for helpers that open connections of their own). */
  dbUrl: string;
  close(): Promise<void>;
}

export interface StackOptions {
  dbUrl: string;
  accounts: number;
  talkMs: number;
  name: string;
  cpuProfDir: string | null;
  daemonEnv: Record<string, string>;
  /** Directory of a tsc build of the repository to run the daemon from, or null (tsx). */
  compiledDir?: string | null;
  /** Build whose daemon probe to preload (see DaemonProcessOptions.probeDir). */
  probeDir?: string | null;
  /** Node flags instead of the shipped ones (DaemonProcessOptions.nodeFlags). */
  nodeFlags?: string[] | null;
  /** Runs on the seeded database before the daemon starts (e.g. to fit it to an older daemon). */
  beforeDaemon?: (opened: OpenedStore) => Promise<void>;
}

export async function startStack(o: StackOptions, log: (line: string) => void): Promise<Stack> {
  const { opened, accounts } = await freshBenchDatabase(o.dbUrl, o.accounts);
  if (o.beforeDaemon) await o.beforeDaemon(opened);
  const sim = await startSimulator(o.talkMs);
  const tracker = new CallTracker(sim);
  const logFile = join(tmpdir(), `astbill-bench-${o.name}-${process.pid}.log`);
  const daemon = DaemonProcess.start({
    dbUrl: o.dbUrl,
    ariUrl: sim.url,
    username: sim.username,
    password: sim.password,
    app: APP,
    logFile,
    env: o.daemonEnv,
    cpuProfDir: o.cpuProfDir,
    compiledDir: o.compiledDir ?? null,
    probeDir: o.probeDir ?? null,
    nodeFlags: o.nodeFlags ?? null,
  });
  const close = async (): Promise<void> => {
    await daemon.stop();
    tracker.close();
    await sim.close();
    await opened.close();
  };
  const deadline = Date.now() + 30_000;
  while (!sim.appConnected(APP)) {
    if (!daemon.running || Date.now() > deadline) {
      const tail = daemon.tail();
      await close();
      throw new Error(`the daemon did not connect to the simulator (log ${logFile}):\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  log(`  daemon pid ${daemon.pid} connected (log ${logFile})`);
  return { sim, tracker, daemon, opened, accounts, dbUrl: o.dbUrl, close };
}

/** Live reservations in the database. */
export async function liveReservations(opened: OpenedStore): Promise<number> {
  const [row] = (await opened.db.knex('astcreditres').count({ n: '*' })) as [{ n: unknown }];
  return Number(row.n);
}

/** Waits until no tracked call is up and no reservation is left; false after `timeoutMs`. */
export async function drain(stack: Stack, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (
      stack.tracker.live === 0 &&
      stack.sim.channelCount() === 0 &&
      (await liveReservations(stack.opened)) === 0
    )
      return true;
    if (Date.now() > deadline || !stack.daemon.running) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

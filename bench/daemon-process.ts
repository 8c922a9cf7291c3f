/**
 * The real daemon in a separate process: `node --import tsx --import bench/daemon-probe.ts
 * bin/astbill.js start`, configured through the environment (ASTBILL_DB, ARI_URL, ...), with its
 * log written to a file. Children are killed when the bench exits for any reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ProbeReport } from './daemon-probe.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const children = new Set<ChildProcess>();

function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
process.on('exit', killAll);

export interface DaemonProcessOptions {
  dbUrl: string;
  ariUrl: string;
  username: string;
  password: string;
  app: string;
  /** File the daemon's stdout/stderr go to. */
  logFile: string;
  env?: Record<string, string>;
  /** Directory for `--cpu-prof`, or null. */
  cpuProfDir?: string | null;
  /** Directory of a tsc build of the repository: run `node <dir>/daemon/src/cli/main.js start` without tsx. */
  compiledDir?: string | null;
  /** Build whose bench/daemon-probe.js to preload (default compiledDir): a baseline ref's daemon runs with this ref's probe. */
  probeDir?: string | null;
  /** Node flags instead of DAEMON_NODE_FLAGS (bench --node-flags), to compare settings. */
  nodeFlags?: string[] | null;
}

/** Node flags the daemon runs with, as in the Docker image, `npm start` and bin/astbill.js (docs/operator-guide.md, "Memory"). */
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=32'];
/** Environment the daemon is shipped with, likewise (`--daemon-env MALLOC_ARENA_MAX=` undoes it). */
export const DAEMON_SHIPPED_ENV = { MALLOC_ARENA_MAX: '2' };

export class DaemonProcess {
  private readonly waiting: Array<(r: ProbeReport) => void> = [];
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    children.add(child);
    child.on('message', (m: { type?: string } & ProbeReport) => {
      if (m?.type === 'probe') this.waiting.shift()?.(m);
    });
    this.exited = new Promise((res) =>
      child.once('exit', (code) => {
        children.delete(child);
        res(code);
      }),
    );
  }

  static start(o: DaemonProcessOptions): DaemonProcess {
    mkdirSync(dirname(o.logFile), { recursive: true });
    const fd = openSync(o.logFile, 'w');
    const built = o.compiledDir ?? null;
    const probeDir = o.probeDir ?? built;
    const nodeArgs = probeDir
      ? ['--expose-gc', '--import', pathToFileURL(join(probeDir, 'bench', 'daemon-probe.js')).href]
      : ['--expose-gc', '--import', 'tsx', '--import', join(root, 'bench', 'daemon-probe.ts')];
    nodeArgs.push(...(o.nodeFlags ?? DAEMON_NODE_FLAGS));
    if (o.cpuProfDir) {
      mkdirSync(o.cpuProfDir, { recursive: true });
      nodeArgs.push('--cpu-prof', '--cpu-prof-dir', resolve(o.cpuProfDir));
    }
    const entry = built
      ? join(built, 'daemon', 'src', 'cli', 'main.js')
      : join(root, 'bin', 'astbill.js');
    const child = spawn(process.execPath, [...nodeArgs, entry, 'start'], {
      cwd: root,
      stdio: ['ignore', fd, fd, 'ipc'],
      env: {
        ...process.env,
        ASTBILL_DB: o.dbUrl,
        ARI_URL: o.ariUrl,
        ARI_USERNAME: o.username,
        ARI_PASSWORD: o.password,
        ARI_APP: o.app,
        ASTBILL_DIAL: 'PJSIP/{number}@trunk',
        ASTBILL_NODE: 'bench',
        ASTBILL_ANNOUNCE: 'false',
        ASTBILL_WARN_BEFORE: '0',
        ASTBILL_LOG_LEVEL: 'warn',
        ASTBILL_LOG_FORMAT: 'json',
        // Two daemons of one bench (--against) must not share ./data/journal.
        ASTBILL_JOURNAL_DIR: `${o.logFile}.journal`,
        ...DAEMON_SHIPPED_ENV,
        ...o.env,
      },
    });
    closeSync(fd);
    return new DaemonProcess(child, o.logFile);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** RSS, heap, CPU and event-loop delay (since the last reset when `reset` was given before). */
  probe(reset = false, opts: { gc?: boolean; timeoutMs?: number } = {}): Promise<ProbeReport> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    if (!this.running) return Promise.reject(new Error(`the daemon exited (see ${this.logFile})`));
    return new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error('the daemon did not answer a probe')), timeoutMs);
      this.waiting.push((r) => {
        clearTimeout(t);
        res(r);
      });
      this.child.send({ type: 'probe', reset, gc: opts.gc ?? false });
    });
  }

  /** Last lines of the daemon's log, for error messages. */
  tail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Graceful stop (SIGTERM: the daemon drains and exits, writing its CPU profile), then SIGKILL. */
  async stop(graceMs = 30_000): Promise<number | null> {
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

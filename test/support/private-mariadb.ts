/**
 * A private MariaDB server for fault-injection tests: its own temp datadir, a free loopback
 * port and a unix socket in that dir, so a test can really stop, kill or freeze the database
 * without touching the shared server on 3306.
 *
 *   const m = await PrivateMariaDb.start();     // mariadb-install-db + mariadbd, ~4 s
 *   const tdb = await m.testDatabase();          // a fresh migrated database (TestDatabase)
 *   await m.stop();                              // clean shutdown (SIGTERM): the database is down
 *   await m.start();                             // the same data back, on the same port
 *   await m.kill();                              // SIGKILL (crash recovery at the next start)
 *   m.pause(); m.resume();                       // SIGSTOP / SIGCONT: a hung server
 *   await m.close();                             // kill it and delete the datadir (in after())
 *
 * Needs the Debian `mariadb-server` package (mariadbd, mariadb-install-db); works as root
 * (`--user` names the current user) and as an ordinary user. Root logs in from 127.0.0.1
 * without a password (`--auth-root-authentication-method=normal`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { parseDbUrl } from '../../daemon/src/config.js';
import { openStore, type OpenStoreOptions } from '../../daemon/src/store/index.js';
import { seedAccount, seedRate, type TestDatabase, type TestStore } from './db.js';

const SERVER_OPTIONS = [
  '--skip-log-bin',
  '--skip-name-resolve',
  '--innodb-buffer-pool-size=32M',
  '--innodb-log-file-size=16M',
  // A process crash (SIGKILL) loses nothing with 2: the log is in the OS cache at commit.
  '--innodb-flush-log-at-trx-commit=2',
  '--max-connections=300',
  '--character-set-server=utf8mb4',
  '--collation-server=utf8mb4_bin',
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function binary(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  return name;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every server this process started, killed if the test process exits without close(). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

let databases = 0;

export class PrivateMariaDb {
  private proc: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private paused = false;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** Creates a datadir and starts a server on it. */
  static async start(opts: { startTimeoutMs?: number } = {}): Promise<PrivateMariaDb> {
    const dir = mkdtempSync(join(tmpdir(), 'astbill-mariadb-'));
    const install = spawnSync(
      binary('mariadb-install-db'),
      [
        '--no-defaults',
        `--datadir=${join(dir, 'data')}`,
        `--user=${userInfo().username}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        ...SERVER_OPTIONS,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (install.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(
        `mariadb-install-db failed (${install.error?.message ?? `exit ${install.status}`}): ${(install.stderr || install.stdout || '').slice(-800)}`,
      );
    }
    const m = new PrivateMariaDb(dir, await freePort());
    try {
      await m.start(opts.startTimeoutMs);
    } catch (err) {
      await m.close();
      throw err;
    }
    return m;
  }

  /** `mysql://root@127.0.0.1:<port>/<db>`. */
  url(db = 'astbill'): string {
    return `mysql://root@127.0.0.1:${this.port}/${db}`;
  }

  get running(): boolean {
    return this.proc !== null;
  }

  /** Starts the server on the existing datadir (after stop/kill); resolves once it accepts queries. */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.proc) return;
    const errLog = join(this.dir, 'error.log');
    const proc = spawn(
      binary('mariadbd'),
      [
        '--no-defaults',
        `--datadir=${join(this.dir, 'data')}`,
        `--port=${this.port}`,
        `--socket=${join(this.dir, 'sock')}`,
        `--pid-file=${join(this.dir, 'mariadbd.pid')}`,
        `--log-error=${errLog}`,
        '--bind-address=127.0.0.1',
        `--user=${userInfo().username}`,
        ...SERVER_OPTIONS,
      ],
      { stdio: 'ignore' },
    );
    this.proc = proc;
    this.paused = false;
    live.add(proc);
    let exitCode: number | string | null = null;
    this.exited = new Promise<void>((resolve) => {
      proc.once('exit', (code, signal) => {
        exitCode = code ?? signal;
        live.delete(proc);
        if (this.proc === proc) this.proc = null;
        resolve();
      });
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exitCode !== null)
        throw new Error(`mariadbd exited (${exitCode}) at start: ${this.errorLogTail()}`);
      try {
        const c = await mysql.createConnection({
          host: '127.0.0.1',
          port: this.port,
          user: 'root',
          connectTimeout: 1000,
        });
        await c.end();
        return;
      } catch {
        if (Date.now() > deadline) {
          await this.kill();
          throw new Error(
            `mariadbd did not accept connections within ${timeoutMs} ms: ${this.errorLogTail()}`,
          );
        }
        await sleep(100);
      }
    }
  }

  /** Clean shutdown (SIGTERM); resolves when the process is gone. */
  async stop(): Promise<void> {
    await this.signalAndWait('SIGTERM');
  }

  /** SIGKILL: a crash; InnoDB recovers at the next start. */
  async kill(): Promise<void> {
    await this.signalAndWait('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** SIGSTOP: the server keeps its sockets open but answers nothing (a hung database). */
  pause(): void {
    if (!this.proc || this.paused) return;
    this.proc.kill('SIGSTOP');
    this.paused = true;
    // The stop reaches the server's threads asynchronously: wait until every one is stopped, so
    // that a query sent next can never be answered (a loaded machine otherwise lets one through).
    const pid = this.proc.pid;
    const deadline = Date.now() + 2000;
    while (pid !== undefined && Date.now() < deadline && !allThreadsStopped(pid)) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }

  /** SIGCONT after pause(). */
  resume(): void {
    if (!this.proc || !this.paused) return;
    this.proc.kill('SIGCONT');
    this.paused = false;
  }

  /** Runs statements as root on a fresh connection (no default database). */
  async admin<T = unknown>(sql: string): Promise<T> {
    const c = await mysql.createConnection({
      host: '127.0.0.1',
      port: this.port,
      user: 'root',
      multipleStatements: true,
    });
    try {
      const [rows] = await c.query(sql);
      return rows as T;
    } finally {
      await c.end();
    }
  }

  /**
   * A fresh database on this server, migrated, shaped like test/support/db.ts's TestDatabase
   * (so the e2e harness can use it). Handles it opens are closed by `close()` of the result.
   */
  async testDatabase(): Promise<TestDatabase & { close(): Promise<void> }> {
    databases += 1;
    const name = `astbill_${process.pid}_${databases}`;
    await this.admin(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    const url = this.url(name);
    const config = parseDbUrl(url);
    const opened: TestStore[] = [];
    const open = async (opts: OpenStoreOptions = {}): Promise<TestStore> => {
      const { db, store, close } = await openStore(config, { schema: 'none', ...opts });
      const t: TestStore = {
        db,
        knex: db.knex,
        store,
        seedRate: (r) => seedRate(store, r),
        seedAccount: (a) => seedAccount(store, a),
        close,
      };
      opened.push(t);
      return t;
    };
    const migrated = await open({ schema: 'auto' });
    await migrated.close();
    opened.length = 0;
    return {
      kind: 'mysql',
      label: 'private MariaDB',
      url,
      config,
      open,
      close: async () => {
        for (const t of opened.splice(0)) await t.close().catch(() => undefined);
      },
    };
  }

  /** Kills the server (if running) and deletes the datadir. */
  async close(): Promise<void> {
    if (this.proc) {
      this.resume();
      await this.kill();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async signalAndWait(signal: NodeJS.Signals): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    if (this.paused) {
      proc.kill('SIGCONT');
      this.paused = false;
    }
    proc.kill(signal);
    const gone = await Promise.race([
      this.exited.then(() => true),
      sleep(30_000).then(() => false),
    ]);
    if (!gone) {
      proc.kill('SIGKILL');
      await this.exited;
    }
  }

  private errorLogTail(): string {
    try {
      return readFileSync(join(this.dir, 'error.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .slice(-6)
        .join(' | ');
    } catch {
      return '(no error log)';
    }
  }
}

/** True when every thread of `pid` is in the stopped state ('T' in /proc/<pid>/task/<tid>/stat). */
function allThreadsStopped(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).every((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
    });
  } catch {
    return true; // no /proc (or the process is gone): nothing more to wait for
  }
}

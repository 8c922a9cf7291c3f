/**
 * Opens the database named by a DbConfig as a knex instance plus the one way money transactions
 * run here (`tx`: atomic, re-run on deadlock / lock wait / busy).
 *
 * MySQL/MariaDB (mysql2): BIGINT and DECIMAL come back as strings (`supportBigNumbers`,
 * `bigNumberStrings`; never `decimalNumbers`), DATETIME as text (`dateStrings`), and every
 * connection runs with time_zone '+00:00' so the stored times are UTC. Transactions are pipelined
 * (mysql-client.ts): BEGIN and `deferred()` writes travel with the next statement.
 *
 * SQLite (better-sqlite3): WAL, a busy timeout, foreign keys on, ONE pooled connection per file
 * per process, shared by every openDb of that file (so knex itself serialises this process's
 * queries and transactions), and transactions that start with BEGIN IMMEDIATE (so writers in
 * other processes are serialised too; see sqlite-client.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import knexFactory from 'knex';
import type { Knex } from 'knex';
import type { DbConfig } from '../config.js';
import { StoreError, driverCode } from './errors.js';
import { withRetry, type RetryOptions } from './retry.js';
import { PipelinedMysqlClient, oneTripOf, type OneTrip } from './mysql-client.js';
import { ImmediateSqliteClient } from './sqlite-client.js';

export type Dialect = 'mysql' | 'sqlite';

/** Which database a knex instance or transaction talks to. */
export function dialectOf(knex: Knex): Dialect {
  return knex.client.dialect === 'mysql' ? 'mysql' : 'sqlite';
}

export interface Db {
  readonly dialect: Dialect;
  readonly knex: Knex;
  /** Where the data lives, without secrets (safe to print or log). */
  readonly label: string;
  /**
   * Runs `fn` in ONE transaction and re-runs all of it when the database asks for a retry.
   * `fn` must do all its work through `trx` (on SQLite the pool has one connection: touching
   * `db.knex` inside would wait for itself) and must be safe to re-run.
   */
  tx<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  /** MySQL/MariaDB: hand-written batches in one round trip (tx/settle-one-trip.ts); absent on SQLite. */
  readonly oneTrip?: OneTrip;
  close(): Promise<void>;
}

export interface OpenDbOptions {
  /** MySQL pool size (default 10). SQLite always uses one connection. */
  poolMax?: number;
  retry?: RetryOptions;
  /** Run `SELECT 1` before returning so an unreachable database fails here (default true). */
  probe?: boolean;
  /** SQLite busy timeout in ms (default 5000). */
  busyTimeoutMs?: number;
  /** Where knex's own warnings go (default: nowhere, so that a CLI error stays one line). */
  logger?: { warn(message: string): unknown; debug(message: string): unknown } | undefined;
  /**
   * A mail transport is configured (ASTBILL_SMTP_HOST): events of the mail kinds also get a
   * 'mail' row in the outbox (store/outbox.ts). Default false: no mail is queued that no worker
   * would ever send.
   */
  mail?: boolean;
}

/** The transactions of a Db opened with `mail` (what emitEvent asks; a WeakSet: no leak). */
const MAILING = new WeakSet<Knex.Transaction>();

/** True when `trx` belongs to a Db that queues e-mail (OpenDbOptions.mail). */
export function queuesMail(trx: Knex.Transaction): boolean {
  return MAILING.has(trx);
}

function knexLog(opts: OpenDbOptions): Knex.Logger {
  const text = (m: unknown) => (m instanceof Error ? m.message : String(m));
  const l = opts.logger;
  return {
    warn: (m: unknown) => l?.warn(`knex: ${text(m)}`),
    error: (m: unknown) => l?.warn(`knex: ${text(m)}`),
    deprecate: (m: unknown) => l?.debug(`knex: ${text(m)}`),
    debug: (m: unknown) => l?.debug(`knex: ${text(m)}`),
  };
}

interface MysqlRawConnection {
  query(sql: string, cb: (err: Error | null) => void): void;
}

interface SqliteRawConnection {
  pragma(source: string): unknown;
}

export function mysqlConnection(url: string): Knex.MySql2ConnectionConfig & { label: string } {
  const u = new URL(url.replace(/^mariadb:/, 'mysql:'));
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(u.username || 'root');
  const port = u.port ? Number(u.port) : 3306;
  // `?socket=/run/mysqld/mysqld.sock`: MariaDB on this host over its Unix socket; the host is then only a label.
  const socketPath = u.searchParams.get('socket') ?? undefined;
  return {
    ...(socketPath !== undefined ? { socketPath } : { host: u.hostname, port }),
    user,
    password: decodeURIComponent(u.password),
    database,
    charset: 'utf8mb4',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    connectTimeout: 10_000,
    // knex sends plain queries, never prepared statements; mysql2's statement cache (an LRU that
    // preallocates 4 arrays of this size per connection: 16 000 by default, ~0.5 MB each) stays empty.
    maxPreparedStatements: 16,
    // Pipelined transactions (mysql-client.ts) send BEGIN, deferred writes and COMMIT as one batch.
    // Every value is bound, never spliced into SQL text.
    multipleStatements: true,
    label:
      socketPath !== undefined
        ? `mysql://${user}@${u.hostname}/${database}?socket=${socketPath}`
        : `mysql://${user}@${u.hostname}:${port}/${database}`,
  };
}

function mysqlKnex(cfg: DbConfig, opts: OpenDbOptions): { knex: Knex; label: string } {
  const { label, ...connection } = mysqlConnection(cfg.url);
  const knex = knexFactory({
    client: PipelinedMysqlClient as unknown as typeof knexFactory.Client,
    connection,
    pool: {
      min: 0,
      max: opts.poolMax ?? 10,
      afterCreate: (conn: MysqlRawConnection, done: (err: Error | null, conn: unknown) => void) => {
        conn.query("SET time_zone = '+00:00'", (err) => done(err, conn));
      },
    },
    acquireConnectionTimeout: 15_000,
    log: knexLog(opts),
    // knex would format the bindings into an error message with an escaper that throws on
    // bigint (hiding the real error, e.g. a duplicate key); money is bound as bigint.
    compileSqlOnError: false,
  });
  return { knex, label };
}

function sqliteKnex(cfg: DbConfig, opts: OpenDbOptions): { knex: Knex; label: string } {
  const filename = cfg.filename ?? ':memory:';
  const memory = filename === ':memory:';
  if (!memory) {
    try {
      mkdirSync(dirname(filename), { recursive: true });
    } catch (err) {
      throw new StoreError(
        'DB_UNAVAILABLE',
        `cannot create the directory for SQLite database ${filename} (${driverCode(err) ?? 'error'})`,
      );
    }
  }
  const busy = opts.busyTimeoutMs ?? 5000;
  const knex = knexFactory({
    client: ImmediateSqliteClient as unknown as typeof knexFactory.Client,
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      // Never let the pool drop the single connection (an in-memory database would vanish).
      idleTimeoutMillis: Number.MAX_SAFE_INTEGER,
      afterCreate: (
        conn: SqliteRawConnection,
        done: (err: Error | null, conn: unknown) => void,
      ) => {
        try {
          conn.pragma(`busy_timeout = ${busy}`);
          if (!memory) conn.pragma('journal_mode = WAL');
          conn.pragma('foreign_keys = ON');
          done(null, conn);
        } catch (err) {
          done(err as Error, conn);
        }
      },
    },
    acquireConnectionTimeout: 60_000,
    log: knexLog(opts),
    compileSqlOnError: false,
  });
  return { knex, label: `sqlite:${filename}` };
}

/** Turns a driver's connection failure into one line an operator can act on. */
export function unreachableMessage(label: string, err: unknown): string {
  const code = driverCode(err);
  const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
  switch (code) {
    case 'ECONNREFUSED':
      return `cannot connect to ${label}: connection refused (is the database server running?)`;
    case 'ENOENT':
      return `cannot connect to ${label}: no such socket`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot connect to ${label}: unknown host`;
    case 'ETIMEDOUT':
      return `cannot connect to ${label}: timed out`;
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
      return `cannot connect to ${label}: access denied (check user and password)`;
    case 'ER_BAD_DB_ERROR':
      return `cannot connect to ${label}: database does not exist (create it first)`;
    case 'SQLITE_CANTOPEN':
      return `cannot open ${label}: unable to open the database file`;
    case 'SQLITE_NOTADB':
      return `cannot open ${label}: file is not a SQLite database`;
    default:
      return `cannot use ${label}: ${detail}`;
  }
}

interface Shared {
  knex: Knex;
  label: string;
  users: number;
}

/**
 * SQLite handles shared per file within this process. Two connections to one file in one
 * process would be a trap: better-sqlite3 is synchronous, so a connection waiting for the write
 * lock (busy timeout) blocks the event loop that the lock holder needs to finish. Sharing the
 * single connection lets knex queue everything instead.
 */
const sqliteHandles = new Map<string, Promise<Shared>>();

async function openShared(
  key: string,
  make: () => { knex: Knex; label: string },
  probe: boolean,
): Promise<Shared> {
  let handle = sqliteHandles.get(key);
  if (!handle) {
    handle = (async () => {
      const { knex, label } = make();
      if (probe) await probeDb(knex, label);
      return { knex, label, users: 0 };
    })();
    sqliteHandles.set(key, handle);
    handle.catch(() => sqliteHandles.delete(key));
  }
  const shared = await handle;
  shared.users += 1;
  return shared;
}

async function probeDb(knex: Knex, label: string): Promise<void> {
  try {
    await knex.raw('select 1');
  } catch (err) {
    await knex.destroy().catch(() => undefined);
    throw new StoreError('DB_UNAVAILABLE', unreachableMessage(label, err), { cause: err });
  }
}

export async function openDb(cfg: DbConfig, opts: OpenDbOptions = {}): Promise<Db> {
  const dialect: Dialect = cfg.client;
  const probe = opts.probe ?? true;
  let knex: Knex;
  let label: string;
  let release: () => Promise<void>;
  const filename = cfg.filename ?? ':memory:';
  if (dialect === 'sqlite' && filename !== ':memory:') {
    const key = resolve(filename);
    const shared = await openShared(key, () => sqliteKnex(cfg, opts), probe);
    ({ knex, label } = shared);
    release = async () => {
      shared.users -= 1;
      if (shared.users === 0) {
        sqliteHandles.delete(key);
        await shared.knex.destroy();
      }
    };
  } else {
    ({ knex, label } = dialect === 'mysql' ? mysqlKnex(cfg, opts) : sqliteKnex(cfg, opts));
    if (probe) await probeDb(knex, label);
    release = () => knex.destroy();
  }
  let closed = false;
  return {
    dialect,
    knex,
    label,
    ...(dialect === 'mysql' ? { oneTrip: oneTripOf(knex) } : {}),
    tx: <T>(fn: (trx: Knex.Transaction) => Promise<T>) =>
      withRetry(
        () =>
          knex.transaction((trx) => {
            if (opts.mail) MAILING.add(trx);
            return fn(trx);
          }),
        opts.retry,
      ),
    close: async () => {
      if (closed) return;
      closed = true;
      await release();
    },
  };
}

/** True when `SELECT 1` answers within `timeoutMs` (GET /health). */
export async function databaseReachable(db: Db, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      db.knex.raw('SELECT 1').then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

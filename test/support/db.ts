/**
 * The databases a test suite runs against: always SQLite (a temp file), plus MariaDB/MySQL when
 * ASTBILL_TEST_MYSQL is set (e.g. mysql://root@127.0.0.1:3306/astbill_test). Each
 * `forEachDatabase` block gets its own fresh, migrated database (MySQL: `<db>_<pid>_<n>`,
 * created in `before`, dropped in `after`) and every handle opened through it is closed after.
 *
 *   forEachDatabase((tdb) => {
 *     let t: TestStore;
 *     before(async () => { t = await tdb.open(); });
 *     it('charges a call', async () => {
 *       await t.seedRate({ tariff: 'default', prefix: '44', rate: '0.05' });
 *       const alice = await t.seedAccount({ balance: '10' });
 *       ...t.store.authorise(...)...
 *     });
 *   });
 *
 * Child processes (CLI, daemon) reach the same database with `ASTBILL_DB=${tdb.url}`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import mysql from 'mysql2/promise';
import { parseDbUrl, type DbConfig } from '../../daemon/src/config.js';
import { parseMoney, type Money, type Rate } from '../../daemon/src/rating/index.js';
import type { AccountDetails, NewAccount } from '../../daemon/src/store/accounts.js';
import { mysqlConnection, type Db, type Dialect } from '../../daemon/src/store/db.js';
import { openStore, type OpenStoreOptions } from '../../daemon/src/store/index.js';
import type { KnexBillingStore } from '../../daemon/src/store/knex-store.js';

/** Amounts in tests are written as decimal strings ('0.05') or given as Money. */
export type Amount = string | Money;

export const money = (a: Amount): Money => (typeof a === 'bigint' ? a : parseMoney(a));

export interface SeedRate {
  tariff?: string;
  prefix?: string;
  description?: string;
  /** Per minute; default '0.05'. */
  rate?: Amount;
  connect?: Amount;
  initial?: number;
  increment?: number;
  min?: number;
}

export interface SeedAccount {
  /** Default: a fresh unique name. */
  name?: string;
  /** Default '0'. */
  balance?: Amount;
  /** Default 'default' (seed a rate in it first). */
  tariff?: string;
  pin?: string;
  anis?: string[];
  creditLimit?: Amount;
  maxCalls?: number | null;
  maxSeconds?: number | null;
  currency?: string;
}

let unique = 0;
/** A name no other test in this process uses: `${prefix}-${pid}-${n}`. */
export function uniqueName(prefix = 'acct'): string {
  unique += 1;
  return `${prefix}-${process.pid}-${unique}`;
}

/** Inserts or updates one rate through the real repository; returns it. */
export async function seedRate(store: KnexBillingStore, r: SeedRate = {}): Promise<Rate> {
  const rate: Rate = {
    tariff: r.tariff ?? 'default',
    prefix: r.prefix ?? '44',
    description: r.description ?? '',
    ratePerMin: money(r.rate ?? '0.05'),
    connectFee: money(r.connect ?? '0'),
    initialSecs: r.initial ?? 60,
    incrementSecs: r.increment ?? 6,
    minSecs: r.min ?? 0,
  };
  await store.upsertRates([rate]);
  return rate;
}

/** Creates an account through the real repository (ledger row for the opening balance included). */
export async function seedAccount(
  store: KnexBillingStore,
  a: SeedAccount = {},
): Promise<AccountDetails> {
  const input: NewAccount = {
    name: a.name ?? uniqueName(),
    balance: money(a.balance ?? '0'),
    tariff: a.tariff,
    pin: a.pin,
    anis: a.anis,
    creditLimit: a.creditLimit === undefined ? undefined : money(a.creditLimit),
    maxCalls: a.maxCalls,
    maxSeconds: a.maxSeconds,
    currency: a.currency,
  };
  return store.addAccount(input);
}

export interface TestStore {
  db: Db;
  knex: Knex;
  store: KnexBillingStore;
  seedRate(r?: SeedRate): Promise<Rate>;
  seedAccount(a?: SeedAccount): Promise<AccountDetails>;
  close(): Promise<void>;
}

export interface TestDatabase {
  readonly kind: Dialect;
  /** 'SQLite' or 'MariaDB', for test titles. */
  readonly label: string;
  /** The ASTBILL_DB value that reaches this database (known before `before` runs). */
  readonly url: string;
  readonly config: DbConfig;
  /** A new pool on the (already migrated) database; closed automatically after the block. */
  open(opts?: OpenStoreOptions): Promise<TestStore>;
}

export interface Lifecycle {
  create(): Promise<void>;
  destroy(): Promise<void>;
}

let counter = 0;

function sqliteDatabase(): TestDatabase & Lifecycle {
  const dir = mkdtempSync(join(tmpdir(), 'astbill-test-'));
  const url = `sqlite:${join(dir, 'astbill.sqlite')}`;
  return withOpen({
    kind: 'sqlite',
    label: 'SQLite',
    url,
    config: parseDbUrl(url),
    create: async () => undefined,
    destroy: async () => rmSync(dir, { recursive: true, force: true }),
  });
}

function mysqlDatabase(base: string): TestDatabase & Lifecycle {
  counter += 1;
  const u = new URL(base.replace(/^mariadb:/, 'mysql:'));
  const name = `${u.pathname.replace(/^\//, '') || 'astbill_test'}_${process.pid}_${counter}`;
  u.pathname = `/${name}`;
  const url = u.toString();
  const server = async () => {
    const c = mysqlConnection(url);
    return mysql.createConnection({
      host: c.host,
      port: c.port,
      user: c.user,
      password: c.password,
    });
  };
  return withOpen({
    kind: 'mysql',
    label: 'MariaDB',
    url,
    config: parseDbUrl(url),
    create: async () => {
      const c = await server();
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
        await c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
      } finally {
        await c.end();
      }
    },
    destroy: async () => {
      const c = await server();
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  });
}

function withOpen(base: Omit<TestDatabase, 'open'> & Lifecycle): TestDatabase & Lifecycle {
  const opened: TestStore[] = [];
  const open = async (opts: OpenStoreOptions = {}): Promise<TestStore> => {
    const { db, store, close } = await openStore(base.config, { schema: 'none', ...opts });
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
  return {
    ...base,
    open,
    create: async () => {
      await base.create();
      const t = await open({ schema: 'auto' });
      await t.close();
    },
    destroy: async () => {
      for (const t of opened.splice(0)) await t.close();
      await base.destroy();
    },
  };
}

/**
 * One fresh database outside a mocha block (the chaos runner): SQLite, or MariaDB when given its
 * server URL; `create()` makes and migrates it, `destroy()` closes every handle and drops it.
 */
export function scratchDatabase(mysqlUrl?: string): TestDatabase & Lifecycle {
  return mysqlUrl ? mysqlDatabase(mysqlUrl) : sqliteDatabase();
}

/** True when MariaDB/MySQL tests are switched on. */
export function mysqlEnabled(): boolean {
  return Boolean(process.env.ASTBILL_TEST_MYSQL);
}

/**
 * Registers `fn`'s tests once per database, each inside `describe('on SQLite'|'on MariaDB')`
 * with a fresh migrated database.
 */
export function forEachDatabase(fn: (tdb: TestDatabase) => void): void {
  const targets: Array<() => TestDatabase & Lifecycle> = [sqliteDatabase];
  const mysqlUrl = process.env.ASTBILL_TEST_MYSQL;
  if (mysqlUrl) targets.push(() => mysqlDatabase(mysqlUrl));
  for (const make of targets) {
    const tdb = make();
    describe(`on ${tdb.label}`, function () {
      before(async function () {
        this.timeout(60_000);
        await tdb.create();
      });
      after(async function () {
        this.timeout(60_000);
        await tdb.destroy();
      });
      fn(tdb);
    });
  }
}

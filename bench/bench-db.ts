/**
 * The bench database: dropped and created fresh, migrated, seeded with one tariff and N accounts
 * through the real store (so every opening balance has its ledger row). Destinations starting
 * with 1 are the short load calls, 2 the held calls of the scale part; both are billed per second
 * at 0.06/min (100 minor units a second) so that costs are exact multiples of talk time.
 */
import mysql from 'mysql2/promise';
import { parseDbUrl } from '../daemon/src/config.js';
import { parseMoney, type Money, type Rate } from '../daemon/src/rating/index.js';
import { mysqlConnection } from '../daemon/src/store/db.js';
import { openStore, type OpenedStore } from '../daemon/src/store/index.js';

export const TARIFF = 'bench';
export const OPENING_BALANCE: Money = parseMoney('1000');
export const LOAD_PREFIX = '1';
export const HOLD_PREFIX = '2';

export const RATES: Rate[] = [LOAD_PREFIX, HOLD_PREFIX].map((prefix) => ({
  tariff: TARIFF,
  prefix,
  description: prefix === LOAD_PREFIX ? 'bench short calls' : 'bench held calls',
  ratePerMin: parseMoney('0.06'),
  connectFee: 0n,
  initialSecs: 1,
  incrementSecs: 1,
  minSecs: 0,
}));

export interface BenchAccount {
  id: number;
  name: string;
}

/** A connection to the server (no database selected), for DROP/CREATE and SELECT VERSION(). */
async function server(url: string): Promise<mysql.Connection> {
  const c = mysqlConnection(url);
  // mysqlConnection gives either socketPath or host and port.
  return mysql.createConnection({
    socketPath: c.socketPath,
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    charset: 'utf8mb4',
  });
}

function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url.replace(/^mariadb:/, 'mysql:')).pathname.slice(1));
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name))
    throw new Error(`bench database name '${name}' must be letters, digits, _`);
  return name;
}

export async function serverVersion(url: string): Promise<string> {
  const c = await server(url);
  try {
    const [rows] = await c.query('SELECT VERSION() AS v');
    return String((rows as Array<{ v: string }>)[0]?.v ?? 'unknown');
  } finally {
    await c.end();
  }
}

/** DROP + CREATE the bench database and run the migrations. */
export async function recreateDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const c = await server(url);
  try {
    await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await c.end();
  }
  const opened = await openStore(parseDbUrl(url), { schema: 'auto' });
  await opened.close();
}

/** DROP the bench database (smoke tests clean up after themselves). */
export async function dropDatabase(url: string): Promise<void> {
  const c = await server(url);
  try {
    await c.query(`DROP DATABASE IF EXISTS \`${databaseName(url)}\``);
  } finally {
    await c.end();
  }
}

export function openBenchStore(url: string, poolMax = 10): Promise<OpenedStore> {
  return openStore(parseDbUrl(url), { schema: 'none', poolMax });
}

export const accountName = (i: number): string => `bench${String(i).padStart(5, '0')}`;

/** Seeds the tariff and `count` accounts (names bench00000…), 10 at a time. */
export async function seed(opened: OpenedStore, count: number): Promise<BenchAccount[]> {
  await opened.store.upsertRates(RATES);
  const out: BenchAccount[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const a = await opened.store.addAccount({
        name: accountName(i),
        balance: OPENING_BALANCE,
        tariff: TARIFF,
      });
      out[i] = { id: a.id, name: a.name };
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  return out;
}

/** A fresh database seeded with `count` accounts; the caller closes the store. */
export async function freshBenchDatabase(
  url: string,
  count: number,
): Promise<{ opened: OpenedStore; accounts: BenchAccount[] }> {
  await recreateDatabase(url);
  const opened = await openBenchStore(url);
  try {
    return { opened, accounts: await seed(opened, count) };
  } catch (err) {
    await opened.close();
    throw err;
  }
}

/**
 * The knex internals the store builds on (store/sqlite-client.ts and mysql-client.ts subclass
 * knex's private dialect modules; store/migrate.ts calls its table creator). They are not part of
 * knex's public API, so knex is pinned to an exact version: these tests fail loudly when the pin
 * is loosened, or when an upgrade moves or renames what we touch.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ClientBetterSQLite3 from 'knex/lib/dialects/better-sqlite3/index.js';
import TransactionSqlite from 'knex/lib/dialects/sqlite3/execution/sqlite-transaction.js';
import ClientMySQL2 from 'knex/lib/dialects/mysql2/index.js';
import TransactionMySQL2 from 'knex/lib/dialects/mysql2/transaction.js';
import { ensureTable } from 'knex/lib/migrations/migrate/table-creator.js';
import { parseDbUrl } from '../../daemon/src/config.js';
import { openDb } from '../../daemon/src/store/db.js';

const require = createRequire(import.meta.url);
const readJson = (path: string) =>
  JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

/** The members of `cls.prototype` that are functions. */
const methods = (cls: unknown): string[] => {
  const names = new Set<string>();
  for (let p = (cls as { prototype: object }).prototype; p; p = Object.getPrototypeOf(p) as object)
    for (const n of Object.getOwnPropertyNames(p))
      if (typeof Object.getOwnPropertyDescriptor(p, n)?.value === 'function') names.add(n);
  return [...names];
};

describe('the knex internals the store depends on', () => {
  it('pins knex to one exact version, the one installed', () => {
    const pkg = readJson(join(process.cwd(), 'package.json')) as {
      dependencies: Record<string, string>;
    };
    const pinned = pkg.dependencies.knex;
    assert.match(pinned ?? '', /^\d+\.\d+\.\d+$/, `package.json has knex "${pinned}", not exact`);
    const installed = readJson(require.resolve('knex/package.json')).version;
    assert.equal(installed, pinned, 'installed knex differs from the pin');
  });

  it('still has the dialect and transaction members the two clients override or call', () => {
    const want: Array<[string, unknown, string[]]> = [
      ['better-sqlite3 client', ClientBetterSQLite3, ['transaction']],
      ['sqlite transaction', TransactionSqlite, ['begin', 'query']],
      ['mysql2 client', ClientMySQL2, ['transaction', '_query']],
      ['mysql2 transaction', TransactionMySQL2, ['begin', 'commit', 'rollback', 'query']],
    ];
    for (const [what, cls, names] of want) {
      const have = methods(cls);
      for (const n of names) assert.ok(have.includes(n), `knex's ${what} has no ${n}()`);
    }
    assert.equal(typeof ensureTable, 'function', "knex's migration table creator moved");
    // mysql-client.ts completes a rolled-back transaction itself through these fields.
    const source = readFileSync(require.resolve('knex/lib/execution/transaction.js'), 'utf8');
    for (const field of ['_completed', '_resolver', '_rejecter', 'doNotRejectOnRollback'])
      assert.ok(source.includes(`this.${field}`), `knex's Transaction no longer sets ${field}`);
  });

  it('starts SQLite money transactions with BEGIN IMMEDIATE (sqlite-client.ts)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'astbill-knex-'));
    try {
      const db = await openDb(parseDbUrl(`sqlite:${join(dir, 'a.sqlite')}`));
      const sent: string[] = [];
      const onQuery = (q: { sql: string }) => sent.push(q.sql);
      db.knex.on('query', onQuery);
      await db.tx((trx) => trx.raw('select 1 as one'));
      db.knex.off('query', onQuery);
      await db.close();
      assert.ok(
        sent.some((s) => /^BEGIN IMMEDIATE/i.test(s)),
        `no BEGIN IMMEDIATE in ${JSON.stringify(sent)}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { parseDbUrl } from '../../daemon/src/config.js';
import { mysqlConnection, openDb } from '../../daemon/src/store/db.js';
import { openStore } from '../../daemon/src/store/index.js';
import { parseMoney } from '../../daemon/src/rating/money.js';
import { seedAccount, seedRate } from '../support/db.js';
import { StoreError } from '../../daemon/src/store/errors.js';
import { fromDbTime, toDbTime } from '../../daemon/src/store/time.js';

const unavailable = (re: RegExp) => (e: unknown) =>
  e instanceof StoreError &&
  e.code === 'DB_UNAVAILABLE' &&
  re.test(e.message) &&
  !e.message.includes('\n');

describe('opening the database', () => {
  it('says in one line that a MySQL server cannot be reached', async () => {
    await assert.rejects(
      openDb(parseDbUrl('mysql://bill:secret@127.0.0.1:1/astbill')),
      unavailable(/^cannot connect to mysql:\/\/bill@127\.0\.0\.1:1\/astbill: connection refused/),
    );
  });

  it('says in one line that a MySQL socket does not exist', async () => {
    await assert.rejects(
      openDb(parseDbUrl('mysql://bill:secret@localhost/astbill?socket=/nonexistent/mysqld.sock')),
      unavailable(
        /^cannot connect to mysql:\/\/bill@localhost\/astbill\?socket=\/nonexistent\/mysqld\.sock: no such socket$/,
      ),
    );
  });

  it('never shows the password in that line', async () => {
    await assert.rejects(
      openDb(parseDbUrl('mysql://bill:s3cr3t@127.0.0.1:1/astbill')),
      (e: unknown) => e instanceof Error && !e.message.includes('s3cr3t'),
    );
  });

  it('says in one line that a SQLite file cannot be opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'astbill-db-'));
    try {
      // A directory where the file should be.
      await assert.rejects(
        openDb(parseDbUrl(`sqlite:${dir}`)),
        unavailable(/^cannot (open|use) sqlite:/),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates the directory of a new SQLite file and shares one connection per file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'astbill-db-'));
    try {
      const cfg = parseDbUrl(`sqlite:${join(dir, 'sub', 'a.sqlite')}`);
      const a = await openDb(cfg);
      const b = await openDb(cfg);
      assert.equal(a.knex, b.knex);
      await a.close();
      assert.deepEqual(await b.knex.raw('select 1 as one'), [{ one: 1 }]);
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stores times as fixed-width UTC text that sorts like the times themselves', () => {
    const times = [
      '2030-01-02T03:04:05.006Z',
      '1999-12-31T23:59:59.999Z',
      '2030-01-02T03:04:05.060Z',
    ].map((s) => new Date(s));
    const texts = times.map(toDbTime);
    assert.deepEqual(texts, [
      '2030-01-02 03:04:05.006',
      '1999-12-31 23:59:59.999',
      '2030-01-02 03:04:05.060',
    ]);
    assert.deepEqual(
      [...texts].sort(),
      [...times].sort((x, y) => x.getTime() - y.getTime()).map(toDbTime),
    );
    assert.deepEqual(
      texts.map((t) => fromDbTime(t)?.toISOString()),
      times.map((d) => d.toISOString()),
    );
  });

  const mysqlBase = process.env.ASTBILL_TEST_MYSQL;
  (mysqlBase ? it : it.skip)(
    'on MariaDB, reads accounts over the Unix socket named by ?socket=',
    async () => {
      const c = mysqlConnection(mysqlBase!);
      const server = await mysql.createConnection({
        host: c.host,
        port: c.port,
        user: c.user,
        password: c.password,
      });
      const name = `${c.database || 'astbill_test'}_${process.pid}_socket`;
      try {
        const [[row]] = (await server.query('SELECT @@socket AS socket')) as unknown as [
          [{ socket: string }],
        ];
        await server.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
        const u = new URL(mysqlBase!);
        u.hostname = 'localhost';
        u.port = '';
        u.pathname = `/${name}`;
        u.searchParams.set('socket', row.socket);
        const opened = await openStore(parseDbUrl(u.toString()), { schema: 'auto' });
        try {
          assert.equal(opened.db.label, `mysql://${c.user}@localhost/${name}?socket=${row.socket}`);
          // A socket client shows as plain 'localhost' in the process list; a TCP one as host:port.
          const host = await opened.db.knex.raw(
            'SELECT HOST AS host FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()',
          );
          assert.equal((host as unknown as [[{ host: string }]])[0][0].host, 'localhost');
          await seedRate(opened.store, { prefix: '44' });
          const alice = await seedAccount(opened.store, { name: 'alice', balance: '12.34' });
          const found = await opened.store.accountByName('alice');
          assert.equal(found?.id, alice.id);
          assert.equal(found?.balance, parseMoney('12.34'));
        } finally {
          await opened.close();
        }
      } finally {
        await server.query(`DROP DATABASE IF EXISTS \`${name}\``);
        await server.end();
      }
    },
  );
});

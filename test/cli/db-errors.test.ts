import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { mysqlConnection } from '../../daemon/src/store/db.js';
import { astbill } from './run-cli.js';

function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line expected, got: ${stderr}`);
  return lines[0]!;
}

describe('astbill and its database', function () {
  this.timeout(60_000);

  it('says in one line that the database URL is bad (exit 2: input) or unreachable (exit 1)', async () => {
    const [bad, refused] = await Promise.all([
      astbill('postgres://db/astbill', ['account', 'list']),
      astbill('mysql://bill:hunter2@127.0.0.1:1/astbill', ['account', 'list']),
    ]);
    assert.equal(bad.code, 2);
    assert.match(
      oneLine(bad.stderr),
      /invalid configuration ASTBILL_DB: must start with 'mysql:\/\/' or 'sqlite:'/,
    );
    assert.equal(refused.code, 1);
    assert.match(
      oneLine(refused.stderr),
      /cannot connect to mysql:\/\/bill@127\.0\.0\.1:1\/astbill: connection refused/,
    );
    assert.doesNotMatch(refused.stderr, /hunter2/);
  });

  it('creates the SQLite schema by itself on first use, also when several commands start at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'astbill-auto-'));
    try {
      const file = join(dir, 'data', 'astbill.sqlite');
      const results = await Promise.all([
        astbill(`sqlite:${file}`, ['rate', 'list', '--json']),
        astbill(`sqlite:${file}`, ['account', 'list', '--json']),
        astbill(`sqlite:${file}`, ['calls', '--json']),
        astbill(`sqlite:${file}`, ['rate', 'list', '--json']),
        astbill(`sqlite:${file}`, ['account', 'list', '--json']),
      ]);
      for (const r of results) {
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.trim(), '[]');
      }
      assert.ok(existsSync(file));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const mysqlBase = process.env.ASTBILL_TEST_MYSQL;
  (mysqlBase ? it : it.skip)(
    'on MySQL, asks for `astbill migrate` until it has been run',
    async () => {
      const u = new URL(mysqlBase!);
      u.pathname = `/${u.pathname.slice(1) || 'astbill_test'}_${process.pid}_cli`;
      const url = u.toString();
      const c = mysqlConnection(url);
      const server = await mysql.createConnection({
        host: c.host,
        port: c.port,
        user: c.user,
        password: c.password,
      });
      try {
        await server.query(`DROP DATABASE IF EXISTS \`${c.database}\``);
        await server.query(`CREATE DATABASE \`${c.database}\``);
        const before = await astbill(url, ['account', 'list']);
        assert.equal(before.code, 1);
        assert.match(oneLine(before.stderr), /schema .* is not up to date .*run 'astbill migrate'/);
        const migrate = await astbill(url, ['migrate']);
        assert.equal(migrate.code, 0, migrate.stderr);
        assert.match(migrate.stdout, /migrated 0001-initial, 0002-views/);
        const [status, list] = await Promise.all([
          astbill(url, ['migrate', '--status']),
          astbill(url, ['account', 'list', '--json']),
        ]);
        assert.match(status.stdout, /schema is up to date/);
        assert.equal(list.stdout.trim(), '[]');
      } finally {
        await server.query(`DROP DATABASE IF EXISTS \`${c.database}\``);
        await server.end();
      }
    },
  );
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { OperatorStore } from '../../daemon/src/store/operators/index.js';
import { forEachDatabase, type TestStore } from '../support/db.js';
import { astbill, parsed, refused, type CliResult } from './run-cli.js';

const bin = fileURLToPath(new URL('../../bin/astbill.js', import.meta.url));

/** The CLI with `input` on its standard input. */
function withStdin(dbUrl: string, args: string[], input: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ASTBILL_DB: dbUrl, ASTBILL_USER_PASSWORD: '' }, timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

describe('astbill user', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let t: TestStore;
    let ops: OperatorStore;
    const cli = (args: string[], env: Record<string, string> = {}) => astbill(tdb.url, args, env);
    before(async () => {
      t = await tdb.open();
      ops = new OperatorStore(t.db);
    });

    it('adds an operator with the password from ASTBILL_USER_PASSWORD, and it can log in', async () => {
      const r = await cli(['user', 'add', 'olga', '--role', 'support'], {
        ASTBILL_USER_PASSWORD: 'a long enough secret',
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'operator olga added with role support\n');
      const ok = await ops.login('olga', 'a long enough secret', '127.0.0.9');
      assert.equal(ok.ok && ok.operator.role, 'support');
      assert.equal((await ops.login('olga', 'a long enough secreT', '127.0.0.9')).ok, false);
    });

    it('reads the password from standard input with --password-stdin', async () => {
      const r = await withStdin(
        tdb.url,
        ['user', 'add', 'piet', '--role', 'read-only', '--password-stdin'],
        'stdin password 123\n',
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await ops.login('piet', 'stdin password 123', '127.0.0.9')).ok, true);
    });

    it('never takes a password as an argument, and refuses short ones and bad roles', async () => {
      refused(
        await cli(['user', 'add', 'x1', '--role', 'admin', '--password', 'secret-secret']),
        /password/,
      );
      refused(
        await cli(['user', 'add', 'x2', '--role', 'admin'], { ASTBILL_USER_PASSWORD: 'short' }),
        /at least 10 characters/,
      );
      refused(
        await cli(['user', 'add', 'x3', '--role', 'boss'], {
          ASTBILL_USER_PASSWORD: 'long enough!',
        }),
        /--role must be one of read-only, support, admin/,
      );
      refused(await cli(['user', 'add', 'x4', '--role', 'admin']), /ASTBILL_USER_PASSWORD/);
      refused(
        await cli(['user', 'add', 'olga', '--role', 'admin'], {
          ASTBILL_USER_PASSWORD: 'long enough!',
        }),
        /operator 'olga' exists/,
      );
    });

    it('lists operators without their hashes, disables and enables them', async () => {
      const list = parsed<Array<Record<string, unknown>>>(await cli(['user', 'list', '--json']));
      assert.deepEqual(
        list.map((o) => [o.name, o.role, o.disabled]),
        [
          ['olga', 'support', false],
          ['piet', 'read-only', false],
        ],
      );
      assert.ok(!JSON.stringify(list).includes('scrypt'));
      assert.equal((await cli(['user', 'disable', 'olga'])).stdout, 'operator olga disabled\n');
      assert.equal((await ops.login('olga', 'a long enough secret', '127.0.0.8')).ok, false);
      assert.equal((await cli(['user', 'enable', 'olga'])).code, 0);
      assert.equal((await ops.login('olga', 'a long enough secret', '127.0.0.8')).ok, true);
    });

    it('issues a token once, capped at the operator role', async () => {
      const r = parsed<{ token: string; role: string }>(
        await cli(['user', 'token', 'piet', '--label', 'grafana', '--role', 'admin', '--json']),
      );
      assert.equal(r.role, 'read-only');
      const p = await ops.tokenPrincipal(r.token);
      assert.deepEqual([p?.operator.name, p?.role, p?.label], ['piet', 'read-only', 'grafana']);
      const stored = await t.knex('astapitoken').select('token_hash');
      assert.ok(!JSON.stringify(stored).includes(r.token), 'the token is stored only hashed');
    });

    it('records CLI top-ups and blocks in the audit trail as the OS user', async () => {
      await t.seedRate({ tariff: 'default', prefix: '44' });
      await t.seedAccount({ name: 'carl', balance: '1' });
      assert.equal((await cli(['account', 'topup', 'carl', '4.5'])).code, 0);
      assert.equal((await cli(['account', 'block', 'carl'])).code, 0);
      const rows = (await ops.audit({ target: 'account:carl' })).reverse();
      assert.deepEqual(
        rows.map((e) => [e.actor, e.action, e.before, e.after?.balance ?? e.after?.status]),
        [
          [`cli:${userInfo().username}`, 'topup', { balance: '1.00000' }, '5.50000'],
          [`cli:${userInfo().username}`, 'block', { status: 'active' }, 'blocked'],
        ],
      );
    });
  });
});

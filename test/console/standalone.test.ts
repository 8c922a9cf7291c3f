/**
 * `astbill console` as an operator runs it: a real process on a database alone (no daemon, no
 * ARI), serving the pages and the API; an operator logs in and reads the dashboard.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { OperatorStore } from '../../daemon/src/store/operators/index.js';
import { forEachDatabase, type TestStore } from '../support/db.js';
import { waitFor } from '../e2e/harness.js';

const bin = fileURLToPath(new URL('../../bin/astbill.js', import.meta.url));

describe('astbill console (database only)', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let t: TestStore;
    let child: ChildProcess;
    let stdout = '';
    before(async () => {
      t = await tdb.open();
      await new OperatorStore(t.db).add({
        name: 'ops',
        role: 'support',
        password: 'standalone-pw-1',
      });
      await t.seedRate({ prefix: '44' });
      await t.seedAccount({ name: 'dora', balance: '0.50' });
      child = spawn(process.execPath, [bin, 'console', '--port', '0'], {
        env: {
          ...process.env,
          ASTBILL_DB: tdb.url,
          ASTBILL_LOG_LEVEL: 'error',
          ASTBILL_API_TOKEN: '',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    });
    after(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await t.close();
    });

    it('serves the console and the API; an operator logs in; ARI shows as down', async () => {
      const url = await waitFor(
        'the console URL',
        () => /http:\/\/\S+\/console\//.exec(stdout)?.[0],
        20_000,
      );
      const base = url.replace(/\/console\/$/, '');
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
      assert.equal((await fetch(`${base}/dashboard`)).status, 401);
      const login = await fetch(`${base}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'ops', password: 'standalone-pw-1' }),
      });
      assert.equal(login.status, 200);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const d = await (await fetch(`${base}/dashboard`, { headers: { cookie } })).json();
      assert.deepEqual(d.health, {
        ari: false,
        database: true,
        journalBacklog: 0,
        journalOldest: null,
      });
      assert.deepEqual(d.nearZero, [{ name: 'dora', available: '0.50' }]);
    });

    it('stops on SIGTERM with exit 0', async () => {
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
    });
  });
});

/**
 * `astbill demo --console` as a person runs it: after the scripted calls the simulator, daemon
 * and console stay up, a demo login is printed, calls keep coming, and Ctrl-C stops it cleanly.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../e2e/harness.js';

const bin = fileURLToPath(new URL('../../bin/astbill.js', import.meta.url));

describe('astbill demo --console', function () {
  this.timeout(90_000);
  it('prints the console URL and a login that works, shows live calls, stops on Ctrl-C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'astbill-demo-console-'));
    const child = spawn(process.execPath, [bin, 'demo', '--fast', '--console', '--port', '0'], {
      cwd: dir,
      env: { ...process.env, ASTBILL_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    try {
      const m = await waitFor(
        'the console URL and login',
        () => /console: (http:\S+)\/console\/\nlogin: +demo \/ (\S+)\n/.exec(stdout),
        60_000,
      );
      assert.match(stdout, /^OK: /m, 'the scripted demo ran first, with its verdict');
      const [, base, password] = m;
      assert.equal((await fetch(`${base}/console/`)).status, 200);
      const login = await fetch(`${base}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'demo', password }),
      });
      assert.equal(login.status, 200);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const call = await waitFor(
        'a live demo call',
        async () => {
          const r = await (await fetch(`${base}/calls`, { headers: { cookie } })).json();
          return (r.calls as Array<{ account: string; state: string }>).find(
            (c) => c.account === 'alice' && c.state === 'talking',
          );
        },
        20_000,
      );
      assert.equal(call.account, 'alice');
      const d = await (await fetch(`${base}/dashboard`, { headers: { cookie } })).json();
      assert.equal(d.liveCalls, 1);
      assert.equal(d.health.ari, true);
      child.kill('SIGINT');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

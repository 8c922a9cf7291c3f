/**
 * `astbill start` as an operator runs it: a child process, configured by the environment,
 * billing calls from the simulator until SIGTERM; a bad setting stops it with one line.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { AriSimulator } from '../../daemon/src/sim/index.js';
import { forEachDatabase } from '../support/db.js';
import { waitFor } from './harness.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function astbill(
  args: string[],
  env: Record<string, string>,
): {
  child: ChildProcess;
  done: Promise<{ code: number | null; stderr: string }>;
  output: () => string;
} {
  const child = spawn(process.execPath, [join(root, 'bin', 'astbill.js'), ...args], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      ASTBILL_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr })),
  );
  return { child, done, output: () => stderr };
}

describe('astbill start', function () {
  this.timeout(30_000);

  it('stops with one line naming an invalid setting, exit code 2', async () => {
    const { done } = astbill(['start'], { ASTBILL_DIAL: 'no-template-here' });
    const { code, stderr } = await done;
    assert.equal(code, 2);
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /ASTBILL_DIAL/);
  });

  it('stops with one line naming an invalid cron expression', async () => {
    const { done } = astbill(['start'], { ASTBILL_HOUSEKEEPING_CRON: 'every minute' });
    const { code, stderr } = await done;
    assert.equal(code, 2);
    assert.match(stderr.trim(), /^astbill: invalid configuration ASTBILL_HOUSEKEEPING_CRON/);
  });

  forEachDatabase((tdb) => {
    it('bills a call and stops cleanly on SIGTERM', async () => {
      const sim = await AriSimulator.start({
        clock: 'manual',
        startTime: Date.parse('2026-11-23T10:00:00Z'),
        rules: [{ prefix: '44', action: 'answer', hangupAfterMs: 61_000 }],
      });
      const t = await tdb.open();
      const { child, done, output } = astbill(['start'], {
        ASTBILL_LOG_FORMAT: 'json',
        ASTBILL_DB: tdb.url,
        ARI_URL: sim.url,
        ARI_USERNAME: sim.username,
        ARI_PASSWORD: sim.password,
        ASTBILL_DIAL: 'Local/{number}@pstn-sim',
        ASTBILL_ANNOUNCE: 'false',
        ASTBILL_NODE: 'child',
      });
      try {
        await t.seedRate({ prefix: '44', rate: '0.06', connect: '0', initial: 1, increment: 1 });
        const acct = await t.seedAccount({ balance: '2' });
        await waitFor('the daemon to connect', () => sim.appConnected('astbill'), 20_000);
        const call = sim.placeCall({ exten: '4420', accountcode: acct.name });
        await waitFor(
          'the call to be bridged',
          () => sim.bridges().some((b) => b.channels.length === 2),
          10_000,
        ).catch((err: Error) => {
          throw new Error(`${err.message}; daemon said:\n${output()}`);
        });
        sim.manualClock.advance(61_000);
        const cdr = await waitFor(
          'the settled CDR',
          async () => {
            const c = await t.store.cdr(call.channelId);
            return c?.status === 'settled' ? c : undefined;
          },
          10_000,
        );
        assert.equal(cdr.billsec, 61);
        assert.equal(cdr.cost, 6100n);
        child.kill('SIGTERM');
        const { code } = await done;
        assert.equal(code, 0);
        assert.equal(sim.appConnected('astbill'), false, 'the websocket is closed');
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        await sim.close();
        await t.close();
      }
    });
  });
});

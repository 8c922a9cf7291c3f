/**
 * `astbill callback` as an operator runs it: the CLI asks the running daemon's HTTP API
 * (POST /callbacks, bearer token) and the daemon places and bills the call.
 */
import assert from 'node:assert/strict';
import { astbill } from '../cli/run-cli.js';
import { forEachDatabase } from '../support/db.js';
import { driveUntil, quiet, settledCdr, startE2e, type E2e } from './harness.js';

const TOKEN = 'callback-test-token-0123456789';

describe('astbill callback (through the daemon API)', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    let env: Record<string, string>;
    before(async () => {
      e = await startE2e(tdb, {
        daemonOnSimClock: true,
        env: { ASTBILL_API_PORT: '0', ASTBILL_API_TOKEN: TOKEN },
        rules: [
          { prefix: '491', action: 'answer' },
          { prefix: '492', action: 'answer', answerAfterMs: 2_000, hangupAfterMs: 30_000 },
        ],
      });
      await e.t.seedRate({ prefix: '49', rate: '0.06', initial: 1, increment: 1 });
      env = {
        ASTBILL_API_URL: `http://127.0.0.1:${e.daemon.apiAddress!.port}`,
        ASTBILL_API_TOKEN: TOKEN,
      };
    });
    after(async () => e?.close());

    it('places the call and both legs are billed and linked', async () => {
      const acct = await e.t.seedAccount({ balance: '5', pin: '24682468' });
      const r = await astbill(
        tdb.url,
        [
          'callback',
          '--account',
          acct.name,
          '--pin',
          '24682468',
          '--a',
          '4911',
          '--b',
          '4922',
          '--json',
        ],
        env,
      );
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as {
        callbackId: string;
        legs: { a: string; b: string };
        maxSeconds: number;
      };
      assert.equal(out.maxSeconds, 2500, '5.00 at 0.06 + 0.06 per minute');
      await driveUntil(
        e,
        'both legs settled',
        async () => (await e.t.store.cdr(out.legs.b))?.status === 'settled',
        { stepMs: 1000, maxSimMs: 60_000 },
      );
      const [a, b] = [await settledCdr(e, out.legs.a), await settledCdr(e, out.legs.b)];
      assert.deepEqual(
        [a.billsec, b.billsec],
        [32, 30],
        'B rang 2 s after A answered, then hung up after 30 s',
      );
      assert.deepEqual([a.cost, b.cost], [3_200n, 3_000n], '0.06/min per second: 0.032 and 0.030');
      assert.deepEqual(await e.t.store.callbackCdrIds(out.callbackId), [out.legs.a, out.legs.b]);
      await quiet(e);
    });

    it('says why a callback is refused, with exit code 1', async () => {
      const acct = await e.t.seedAccount({ balance: '5', pin: '13571357' });
      const bad = await astbill(
        tdb.url,
        ['callback', '--account', acct.name, '--pin', '99999999', '--a', '4911', '--b', '4922'],
        env,
      );
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /refused \(403\): BADPIN/);
      const noToken = await astbill(
        tdb.url,
        ['callback', '--account', acct.name, '--a', '4911', '--b', '4922'],
        { ...env, ASTBILL_API_TOKEN: 'wrong-token-wrong-token' },
      );
      assert.match(noToken.stderr, /refused \(401\)/);
    });
  });
});

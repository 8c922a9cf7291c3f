import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { forEachDatabase, type TestStore } from '../support/db.js';
import { astbill, parsed, refused } from './run-cli.js';

describe('astbill account caps', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let t: TestStore;
    const cli = (...args: string[]) => astbill(tdb.url, args);
    before(async () => {
      t = await tdb.open();
      await t.seedRate({ tariff: 'default', prefix: '44' });
    });

    it('sets, shows and clears caps', async () => {
      const a = await t.seedAccount({ balance: '10' });
      const set = await cli(
        'account',
        'caps',
        a.name,
        '--day',
        '5',
        '--per-call',
        '1.25',
        '--per-minute',
        '3',
      );
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, /day 5\.00000, month none, per call 1\.25000, per minute 3 calls/);
      await cli('account', 'caps', a.name, '--day', 'none', '--month', '50');
      const shown = parsed<Record<string, unknown>>(await cli('account', 'caps', a.name, '--json'));
      assert.deepEqual(shown, {
        day: null,
        month: '50.00000',
        perCall: '1.25000',
        perMinute: 3,
        lowBalance: null,
        largeTopup: null,
        burstMinutes: null,
        burstSpend: null,
        blockedDestPerMinute: null,
        concurrent: null,
      });
      assert.equal((await t.store.caps(a.name))?.monthMax, parseMoney('50'));
    });

    it('refuses bad caps and unknown accounts with one line, exit 2', async () => {
      const a = await t.seedAccount({ balance: '10' });
      refused(await cli('account', 'caps', a.name, '--day', '0'), /--day must be greater than 0/);
      refused(await cli('account', 'caps', a.name, '--per-minute', 'x'), /--per-minute/);
      refused(await cli('account', 'caps', 'nobody'), /no account 'nobody'/);
      assert.equal((await t.store.caps(a.name))?.dayMax, null);
    });
  });
});

import assert from 'node:assert/strict';
import { forEachDatabase, type TestStore } from '../support/db.js';
import { astbill, parsed, refused } from './run-cli.js';

describe('astbill dest', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let t: TestStore;
    const cli = (...args: string[]) => astbill(tdb.url, args);
    before(async () => {
      t = await tdb.open();
      await t.seedRate({ tariff: 'default', prefix: '44' });
    });

    it('imports the example deny file for a tariff, lists it, and allows a prefix for an account', async () => {
      const imp = await cli(
        'dest',
        'import',
        '--tariff',
        'default',
        'docs/examples/deny-premium-satellite.csv',
      );
      assert.equal(imp.code, 0, imp.stderr);
      assert.match(imp.stdout, /tariff default: \d+ prefixes deny/);
      const rules = parsed<Array<{ prefix: string; action: string }>>(
        await cli('dest', 'list', '--tariff', 'default', '--json'),
      );
      assert.ok(rules.some((r) => r.prefix === '8816' && r.action === 'deny'));
      const a = await t.seedAccount({ balance: '1' });
      assert.equal((await cli('dest', 'allow', '--account', a.name, '8816')).code, 0);
      const mine = parsed<unknown[]>(await cli('dest', 'list', '--account', a.name, '--json'));
      assert.deepEqual(mine, [
        { scope: 'account', owner: a.name, prefix: '8816', action: 'allow' },
      ]);
      assert.equal((await cli('dest', 'remove', '--account', a.name, '8816')).code, 0);
      assert.deepEqual(parsed(await cli('dest', 'list', '--account', a.name, '--json')), []);
    });

    it('refuses bad prefixes, unknown owners and a missing owner option', async () => {
      refused(await cli('dest', 'deny', '--tariff', 'default', '44x'), /1-40 digits/);
      refused(await cli('dest', 'deny', '--tariff', 'nope', '44'), /no tariff 'nope'/);
      refused(await cli('dest', 'deny', '44'), /--tariff T or --account NAME/);
    });
  });
});

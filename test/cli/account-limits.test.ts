/** `astbill account limits` and `account callerid` as an operator runs them, audited as cli:USER. */
import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import { OperatorStore } from '../../daemon/src/store/operators/index.js';
import { forEachDatabase, type TestStore } from '../support/db.js';
import { astbill, refused } from './run-cli.js';

describe('astbill account limits and callerid', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let t: TestStore;
    const cli = (...args: string[]) => astbill(tdb.url, args);
    before(async () => {
      t = await tdb.open();
      await t.seedRate({ tariff: 'default', prefix: '44' });
      await t.seedAccount({ name: 'carla', balance: '10', anis: ['5550001'] });
      await t.seedAccount({ name: 'dan', balance: '10', anis: ['5550009'] });
    });
    after(async () => t.close());

    it('sets limits (none clears one) and refuses a bad value with one line, changing nothing', async () => {
      const r = await cli('account', 'limits', 'carla', '--credit-limit', '5', '--max-calls', '3');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        'account carla: credit limit 5.00 EUR, max calls 3, max seconds default\n',
      );
      const cleared = await cli('account', 'limits', 'carla', '--max-calls', 'none');
      assert.match(cleared.stdout, /max calls unlimited/);
      refused(
        await cli('account', 'limits', 'carla', '--max-seconds', '0'),
        /--max-seconds must be 1\.\.86400/,
      );
      refused(await cli('account', 'limits', 'carla'), /give a limit to change/);
      const a = (await t.store.accountDetails('carla'))!;
      assert.deepEqual([a.creditLimit, a.maxCalls, a.maxCallSeconds], [500_000n, null, null]);
    });

    it('adds and removes caller IDs, refusing another account’s number', async () => {
      const r = await cli(
        'account',
        'callerid',
        'carla',
        '--add',
        '5550002',
        '--remove',
        '5550001',
      );
      assert.equal(r.stdout, 'account carla: caller IDs 5550002\n', r.stderr);
      refused(
        await cli('account', 'callerid', 'carla', '--add', '5550009'),
        /caller ID 5550009 already belongs to account 'dan'/,
      );
      assert.deepEqual((await t.store.accountDetails('carla'))!.anis, ['5550002']);
      const audit = (await new OperatorStore(t.db).audit({ target: 'account:carla' })).reverse();
      assert.deepEqual(
        audit.map((e) => [e.actor, e.action]),
        [
          [`cli:${userInfo().username}`, 'limit'],
          [`cli:${userInfo().username}`, 'limit'],
          [`cli:${userInfo().username}`, 'callerid'],
        ],
      );
    });
  });
});

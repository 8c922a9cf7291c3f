import assert from 'node:assert/strict';
import { forEachDatabase, type TestStore } from '../support/db.js';
import { astbill, parsed } from './run-cli.js';

describe('astbill number', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let t: TestStore;
    const cli = (...args: string[]) => astbill(tdb.url, args);
    before(async () => {
      t = await tdb.open();
    });
    after(async () => t?.close());

    it('sets a tariff’s rules and shows each rule applied to a number an account dials', async () => {
      await t.seedRate({ tariff: 'ukcli', prefix: '44', rate: '0.05' });
      const acct = await t.seedAccount({ tariff: 'ukcli', balance: '1' });
      const set = await cli(
        'number',
        'set',
        '--tariff',
        'ukcli',
        'strip:1010',
        'plus',
        'intl:00',
        'national:0:44',
      );
      assert.equal(set.code, 0, set.stderr);
      const r = await cli('number', 'test', '00447700900123', '--account', acct.name);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /rules of tariff ukcli/);
      assert.match(r.stdout, /strip:1010\s+-\n/);
      assert.match(r.stdout, /intl:00\s+00447700900123 → 447700900123/);
      assert.match(r.stdout, /result: 447700900123/);
      const j = parsed<{ ok: boolean; number: string; steps: unknown[] }>(
        await cli('number', 'test', '07700900123', '--account', acct.name, '--json'),
      );
      assert.equal(j.number, '447700900123');
      assert.equal(j.steps.length, 4, 'strip, plus, intl tried, national decided');
    });

    it('says BADNUMBER (exit 1) for what the rules cannot make E.164, and the account’s set wins', async () => {
      const acct = await t.seedAccount({ tariff: 'ukcli', balance: '1' });
      assert.equal((await cli('number', 'set', '--account', acct.name, 'intl:00')).code, 0);
      const r = await cli('number', 'test', '07700900123', '--account', acct.name);
      assert.equal(r.code, 1);
      assert.match(r.stdout, new RegExp(`rules of account ${acct.name}`));
      assert.match(r.stdout, /BADNUMBER: '07700900123' gives '07700900123'/);
      const list = parsed<Array<{ scope: string; owner: string; rules: string[] }>>(
        await cli('number', 'list', '--json'),
      );
      assert.deepEqual(
        list.find((s) => s.owner === acct.name),
        { scope: 'account', owner: acct.name, rules: ['intl:00'] },
      );
      assert.equal((await cli('number', 'clear', '--account', acct.name)).code, 0);
      assert.equal((await cli('number', 'test', '07700900123', '--account', acct.name)).code, 0);
    });

    it('refuses a malformed rule with one line, exit 2, and keeps the set as it was', async () => {
      const r = await cli('number', 'set', '--tariff', 'ukcli', 'intl:00', 'national:0');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /rule 'national:0'/);
      const list = parsed<Array<{ owner: string; rules: string[] }>>(
        await cli('number', 'list', '--json'),
      );
      assert.deepEqual(list.find((s) => s.owner === 'ukcli')?.rules, [
        'strip:1010',
        'plus',
        'intl:00',
        'national:0:44',
      ]);
    });
  });
});

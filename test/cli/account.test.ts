import assert from 'node:assert/strict';
import { forEachDatabase, uniqueName, type TestStore } from '../support/db.js';
import { astbill, parsed, refused } from './run-cli.js';

interface AccountJson {
  name: string;
  status: string;
  balance: string;
  reserved: string;
  creditLimit: string;
  available: string;
  currency: string;
  tariff: string;
  maxCalls: number | null;
  maxSeconds: number | null;
  hasPin: boolean;
  anis: string[];
}

describe('astbill account', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let t: TestStore;
    const cli = (...args: string[]) => astbill(tdb.url, args);
    before(async () => {
      t = await tdb.open();
      await t.seedRate({ tariff: 'default', prefix: '44' });
      await t.seedRate({ tariff: 'gold', prefix: '1' });
    });

    it('adds an account with PIN, ANIs and limits, and shows it as JSON with exact amounts', async () => {
      const name = uniqueName('alice');
      const add = await cli(
        'account',
        'add',
        '--name',
        name,
        '--balance',
        '10.5',
        '--pin',
        '24681357',
        '--ani',
        '15550101',
        '--ani',
        '15550102',
        '--tariff',
        'gold',
        '--credit-limit',
        '0.00001',
        '--max-calls',
        '2',
        '--max-seconds',
        '900',
        '--currency',
        'USD',
      );
      assert.equal(add.code, 0, add.stderr);
      assert.match(add.stdout, new RegExp(`account ${name} added`));
      const a = parsed<AccountJson>(await cli('account', 'show', name, '--json'));
      assert.deepEqual(a, {
        ...a,
        name,
        status: 'active',
        balance: '10.50000',
        reserved: '0.00000',
        creditLimit: '0.00001',
        available: '10.50001',
        currency: 'USD',
        tariff: 'gold',
        maxCalls: 2,
        maxSeconds: 900,
        hasPin: true,
        anis: ['15550101', '15550102'],
      });
      assert.equal((await t.store.accountByPin('24681357'))?.name, name);
    });

    it('tops up through the ledger, blocks, lists and unblocks', async () => {
      const name = uniqueName('bob');
      await t.seedAccount({ name, balance: '1' });
      const top = await cli('account', 'topup', name, '2.25', '--reference', `pay-${name}`);
      assert.equal(top.code, 0, top.stderr);
      assert.match(top.stdout, /\+2\.25 EUR, balance 3\.25 EUR/);
      const b = (await t.store.accountByName(name))!;
      assert.equal(b.balance, 325000n);
      assert.equal(await t.store.ledgerSum(b.id), 325000n);
      assert.equal((await cli('account', 'block', name)).code, 0);
      const list = parsed<AccountJson[]>(await cli('account', 'list', '--json'));
      assert.equal(list.find((x) => x.name === name)?.status, 'blocked');
      assert.equal((await cli('account', 'unblock', name)).code, 0);
      assert.equal((await t.store.accountByName(name))?.status, 'active');
    });

    it('refuses a duplicate name, PIN or ANI, an unknown tariff or account, and writes nothing', async () => {
      const first = uniqueName('erin');
      await t.seedAccount({ name: first, balance: '1', pin: '11223344', anis: ['15550201'] });
      const second = uniqueName('frank');
      const [name, pin, ani, tariff, nobody] = await Promise.all([
        cli('account', 'add', '--name', first, '--balance', '1'),
        cli('account', 'add', '--name', second, '--balance', '1', '--pin', '11223344'),
        cli(
          'account',
          'add',
          '--name',
          second,
          '--balance',
          '5',
          '--ani',
          '15550202',
          '--ani',
          '15550201',
        ),
        cli('account', 'add', '--name', second, '--balance', '1', '--tariff', 'platinum'),
        cli('account', 'topup', 'no-such-account', '1'),
      ]);
      refused(name!, new RegExp(`account '${first}' already exists`));
      refused(pin!, /PIN is already used/);
      refused(ani!, /ANI 15550201 already belongs/);
      refused(tariff!, /unknown tariff 'platinum'/);
      refused(nobody!, /no account 'no-such-account'/);
      assert.equal(await t.store.accountByName(second), undefined);
      assert.equal(await t.store.accountByAni('15550202'), undefined);
      assert.equal((await t.store.accountByName(first))?.balance, 100000n);
    });
  });
});

describe('astbill account: input checked before the database is touched', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    if (tdb.kind !== 'sqlite') return;
    let t: TestStore;
    const cli = (...args: string[]) => astbill(tdb.url, args);
    before(async () => {
      t = await tdb.open();
      await t.seedRate({ tariff: 'default', prefix: '44' });
    });

    it('refuses bad amounts and bad top-ups with one clear line and exit 2, writing nothing', async () => {
      const name = uniqueName('carol');
      const dave = await t.seedAccount({ balance: '1' });
      const results = await Promise.all([
        cli('account', 'add', '--name', name, '--balance', '-5'),
        cli('account', 'add', '--name', name, '--balance', 'ten'),
        cli('account', 'add', '--name', name, '--balance', '1.123456'),
        cli('account', 'add', '--name', name),
        cli('account', 'add', '--name', name, '--balance', '1', '--credit-limit', '-1'),
        cli('account', 'topup', dave.name, '-1'),
        cli('account', 'topup', dave.name, '0'),
        cli('account', 'topup', dave.name, 'lots'),
      ]);
      refused(results[0]!, /--balance must not be negative/);
      refused(results[1]!, /--balance: not a decimal amount: 'ten'/);
      refused(results[2]!, /more than 5 decimal places/);
      refused(results[3]!, /--balance is required/);
      refused(results[4]!, /--credit-limit must not be negative/);
      refused(results[5]!, /must not be negative/);
      refused(results[6]!, /greater than 0/);
      refused(results[7]!, /not a decimal amount/);
      assert.equal(await t.store.accountByName(name), undefined);
      assert.equal((await t.store.accountByName(dave.name))?.balance, 100000n);
    });

    it('shows usage errors for unknown subcommands and options, and prints tables for people', async () => {
      await t.seedAccount({ name: uniqueName('gina'), balance: '3.25' });
      const [sub, opt, show, table] = await Promise.all([
        cli('account', 'frobnicate'),
        cli('account', 'list', '--bogus'),
        cli('account', 'show', 'no-such-account'),
        cli('account', 'list'),
      ]);
      refused(sub!, /unknown subcommand 'frobnicate'/);
      refused(opt!, /Unknown option '--bogus'/);
      refused(show!, /no account 'no-such-account'/);
      assert.match(table!.stdout, /^NAME\s+STATUS\s+BALANCE/);
      assert.match(table!.stdout, /gina-\S+\s+active\s+3\.25/);
    });
  });
});

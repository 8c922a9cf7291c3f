/**
 * `astbill cards` and `astbill vouchers` as an operator runs them (child processes on a real
 * database): the PINs and codes come once as CSV (stdout, or a new 0600 file with --out), the
 * PINs identify the cards, a batch lists and shows its states, disabling blocks its cards, a code
 * redeemed from the CLI credits once, and bad input is one line with exit code 2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsv } from '../../daemon/src/csv.js';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { forEachDatabase, type TestStore } from '../support/db.js';
import { astbill, parsed, refused } from './run-cli.js';

describe('astbill cards and astbill vouchers', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let t: TestStore;
    const cli = (...args: string[]) => astbill(tdb.url, args);
    before(async () => {
      t = await tdb.open();
      await t.seedRate({ tariff: 'default', prefix: '44' });
    });
    const rows = (text: string) => readCsv(text).map((r) => r.fields);

    it('prints a card batch once as CSV whose PINs identify the cards, lists, shows and disables it', async () => {
      const r = await cli(
        'cards',
        'generate',
        '--count',
        '3',
        '--value',
        '4.5',
        '--tariff',
        'default',
        '--expires',
        '2031-01-31',
        '--prefix',
        'shop',
        '--pin-length',
        '14',
      );
      assert.equal(r.code, 0, r.stderr);
      const [header, ...cards] = rows(r.stdout);
      assert.deepEqual(header, [
        'account',
        'pin',
        'value',
        'currency',
        'expires',
        'valid_days',
        'batch',
      ]);
      assert.equal(cards.length, 3);
      const batch = Number(cards[0]![6]);
      for (const [account, pin, value, , expires] of cards) {
        assert.match(account!, new RegExp(`^shop-${batch}-\\d$`));
        assert.match(pin!, /^\d{14}$/);
        assert.equal(value, '4.50000');
        assert.equal(expires, '2031-01-31T23:59:59.999Z');
        assert.equal((await t.store.accountByPin(pin!))?.name, account);
      }
      assert.match(r.stderr, new RegExp(`card batch ${batch}: 3 cards`));
      const list = parsed<Array<{ id: number; count: number; state: string }>>(
        await cli('cards', 'list', '--json'),
      );
      assert.ok(list.some((b) => b.id === batch && b.count === 3 && b.state === 'active'));
      const shown = parsed<{ states: Record<string, number> }>(
        await cli('cards', 'show', String(batch), '--json'),
      );
      assert.deepEqual(shown.states, { new: 3 });
      const off = await cli('cards', 'disable', String(batch));
      assert.equal(off.code, 0, off.stderr);
      for (const [account] of cards)
        assert.equal((await t.store.accountDetails(account!))!.status, 'blocked');
      const table = await cli('cards', 'show', String(batch));
      assert.match(table.stdout, /disabled/);
      assert.ok(!table.stdout.includes(cards[0]![1]!), 'a PIN is never shown again');
    });

    it('writes voucher codes to a new file only its owner reads, and redeems one once', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'astbill-vouchers-'));
      const file = join(dir, 'codes.csv');
      const r = await cli('vouchers', 'generate', '--count', '2', '--value', '10', '--out', file);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '', 'the codes went to the file only');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const [, [code]] = rows(readFileSync(file, 'utf8')) as [string[], string[]];
      refused(
        await cli('vouchers', 'generate', '--count', '1', '--value', '1', '--out', file),
        /EEXIST/,
      );
      const a = await t.seedAccount({ balance: '1' });
      const ok = await cli('vouchers', 'redeem', a.name, code!);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /credited 10\.00000, balance 11\.00000/);
      const b = await t.seedAccount({ balance: '1' });
      refused(await cli('vouchers', 'redeem', b.name, code!), /voucher not redeemed: used/);
      refused(
        await cli('vouchers', 'redeem', b.name, '00000000000000'),
        /voucher not redeemed: unknown/,
      );
      assert.equal((await t.store.accountDetails(a.name))!.balance, parseMoney('11'));
      assert.equal((await t.store.accountDetails(b.name))!.balance, parseMoney('1'));
      const audit = await t
        .knex('astaudit')
        .where({ action: 'voucher.redeem' })
        .select('actor', 'target');
      assert.deepEqual(
        audit.map((x) => x.target),
        [`account:${a.name}`],
      );
      assert.match(String(audit[0]!.actor), /^cli:/);
    });

    it('refuses bad input in one line with exit code 2', async () => {
      refused(
        await cli('cards', 'generate', '--count', '0', '--value', '1', '--tariff', 'default'),
        /--count must be 1\.\.10000/,
      );
      refused(
        await cli('cards', 'generate', '--count', '1', '--value', '1', '--tariff', 'nope'),
        /unknown tariff 'nope'/,
      );
      refused(
        await cli(
          'cards',
          'generate',
          '--count',
          '1',
          '--value',
          '1',
          '--tariff',
          'default',
          '--pin-length',
          '6',
        ),
        /10 to 20 digits/,
      );
      refused(
        await cli(
          'cards',
          'generate',
          '--count',
          '1',
          '--value',
          '1',
          '--tariff',
          'default',
          '--expires',
          '2001-01-01',
        ),
        /in the future/,
      );
      refused(
        await cli(
          'cards',
          'generate',
          '--count',
          '1',
          '--value',
          '1',
          '--tariff',
          'default',
          '--expires',
          'soon',
        ),
        /not a date/,
      );
      refused(await cli('vouchers', 'generate', '--count', '1', '--value', '0'), /greater than 0/);
      refused(await cli('cards', 'show', '999999'), /no card batch 999999/);
      refused(await cli('vouchers', 'disable'), /give the batch number/);
      refused(await cli('vouchers', 'redeem', 'x', 'abc'), /a code is digits/);
    });
  });
});

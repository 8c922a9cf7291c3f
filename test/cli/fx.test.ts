import assert from 'node:assert/strict';
import { formatFxRate } from '../../daemon/src/rating/index.js';
import { forEachDatabase, type TestStore } from '../support/db.js';
import { astbill, parsed, refused } from './run-cli.js';

interface FxList {
  rates: Array<{ base: string; quote: string; rate: string; effectiveFrom: string }>;
  tariffs: Array<{ tariff: string; currency: string }>;
}

describe('astbill fx', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let t: TestStore;
    const cli = (...args: string[]) => astbill(tdb.url, args);
    before(async () => {
      t = await tdb.open();
    });
    after(async () => t?.close());

    it('sets rates with effective times and a tariff currency, lists them, and the store uses them', async () => {
      const first = await cli(
        'fx',
        'set',
        'USD',
        'EUR',
        '0.92',
        '--effective',
        '2026-12-01T00:00Z',
      );
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /1 USD = 0\.92 EUR from 2026-12-01T00:00:00\.000Z/);
      assert.equal(
        (await cli('fx', 'set', 'USD', 'EUR', '0.9350', '--effective', '2026-12-02 12:00')).code,
        0,
      );
      // The same pair and instant again replaces the rate.
      assert.equal(
        (await cli('fx', 'set', 'USD', 'EUR', '0.9300', '--effective', '2026-12-02T12:00Z')).code,
        0,
      );
      assert.equal((await cli('fx', 'tariff', 'us-deck', 'USD')).code, 0);
      const list = parsed<FxList>(await cli('fx', 'list', '--json'));
      assert.deepEqual(list, {
        rates: [
          { base: 'USD', quote: 'EUR', rate: '0.92', effectiveFrom: '2026-12-01T00:00:00.000Z' },
          { base: 'USD', quote: 'EUR', rate: '0.9300', effectiveFrom: '2026-12-02T12:00:00.000Z' },
        ],
        tariffs: [{ tariff: 'us-deck', currency: 'USD' }],
      });
      const text = await cli('fx', 'list');
      assert.match(text.stdout, /USD\s+EUR\s+0\.9300\s+2026-12-02T12:00:00\.000Z/);
      assert.match(text.stdout, /us-deck\s+USD/);
      // The rate in force at an instant is the latest effective before it.
      const { fxAt } = await import('../../daemon/src/store/fx.js');
      const at = async (iso: string) => {
        const r = await fxAt(t.db.knex, 'USD', 'EUR', new Date(iso));
        return r && formatFxRate(r);
      };
      assert.equal(await at('2026-11-30T23:59:59Z'), undefined);
      assert.equal(await at('2026-12-02T11:59:59Z'), '0.92');
      assert.equal(await at('2026-12-02T12:00:00Z'), '0.9300');
      // `none` gives the tariff back to each account's currency.
      assert.equal((await cli('fx', 'tariff', 'us-deck', 'none')).code, 0);
      assert.deepEqual(parsed<FxList>(await cli('fx', 'list', '--json')).tariffs, []);
    });

    it('refuses bad codes, rates and dates with one clear line and exit 2, writing nothing', async () => {
      const before = parsed<FxList>(await cli('fx', 'list', '--json'));
      refused(await cli('fx', 'set', 'usd', 'EUR', '0.9'), /'usd' is not a currency code/);
      refused(await cli('fx', 'set', 'USD', 'EURO', '0.9'), /'EURO' is not a currency code/);
      refused(await cli('fx', 'set', 'USD', 'USD', '1'), /must be different currencies/);
      refused(await cli('fx', 'set', 'USD', 'EUR', '0'), /must be above zero/);
      refused(await cli('fx', 'set', 'USD', 'EUR', '0.000'), /must be above zero/);
      refused(await cli('fx', 'set', 'USD', 'EUR', '-0.5'), /'-0\.5' is not an exchange rate/);
      refused(await cli('fx', 'set', 'USD', 'EUR', '1e3'), /'1e3' is not an exchange rate/);
      refused(
        await cli('fx', 'set', 'USD', 'EUR', '0.9', '--effective', '2026-02-30'),
        /--effective '2026-02-30' is not a real date/,
      );
      refused(
        await cli('fx', 'set', 'USD', 'EUR', '0.9', '--effective', 'tomorrow'),
        /--effective 'tomorrow' is not a date/,
      );
      refused(await cli('fx', 'set', 'USD', 'EUR'), /give BASE QUOTE RATE/);
      refused(await cli('fx', 'tariff', 'us deck', 'USD'), /tariff 'us deck' must be/);
      refused(await cli('fx', 'tariff', 'us-deck', 'dollar'), /'dollar' is not a currency code/);
      assert.deepEqual(parsed<FxList>(await cli('fx', 'list', '--json')), before);
    });
  });
});

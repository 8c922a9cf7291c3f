import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { forEachDatabase, type TestStore } from '../support/db.js';
import { astbill, parsed } from './run-cli.js';

describe('astbill band', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let t: TestStore;
    const cli = (...args: string[]) => astbill(tdb.url, args);
    before(async () => {
      t = await tdb.open();
    });
    after(async () => t?.close());

    it('sets a tariff’s bands, lists them, and the store prices a number with the band decks', async () => {
      await t.seedRate({ tariff: 'bcli', prefix: '44', rate: '0.06' });
      await t.seedRate({ tariff: 'bcli-peak', prefix: '44', rate: '0.12', connect: '0.01' });
      const set = await cli(
        'band',
        'set',
        '--tariff',
        'bcli',
        '--zone',
        'Europe/Berlin',
        'peak/1-5/08:00-18:00/bcli-peak',
        'weekend/6,7/00:00-24:00/bcli-weekend',
      );
      assert.equal(set.code, 0, set.stderr);
      const list = parsed<Array<{ tariff: string; zone: string; bands: unknown[] }>>(
        await cli('band', 'list', '--tariff', 'bcli', '--json'),
      );
      assert.deepEqual(list, [
        {
          tariff: 'bcli',
          zone: 'Europe/Berlin',
          bands: [
            { name: 'peak', days: [1, 2, 3, 4, 5], from: 480, to: 1080, bandTariff: 'bcli-peak' },
            { name: 'weekend', days: [6, 7], from: 0, to: 1440, bandTariff: 'bcli-weekend' },
          ],
        },
      ]);
      const base = (await t.store.rateFor('bcli', '447700900123'))!;
      const banding = await t.store.bandingFor(base, '447700900123', new Date());
      assert.deepEqual(
        banding?.bands.map((b) => [b.name, b.ratePerMin, b.connectFee]),
        [
          ['peak', parseMoney('0.12'), parseMoney('0.01')],
          // No weekend deck for 44: the band is priced at the base rate.
          ['weekend', parseMoney('0.06'), 0n],
        ],
      );
      assert.equal((await cli('band', 'clear', '--tariff', 'bcli')).code, 0);
      assert.equal(await t.store.bandingFor(base, '447700900123', new Date()), undefined);
    });

    it('refuses a bad band or zone with a clear message (exit 2), writing nothing', async () => {
      const bad = await cli(
        'band',
        'set',
        '--tariff',
        'bx',
        '--zone',
        'UTC',
        'peak/1-8/08:00-18:00/p',
      );
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /not weekdays/);
      const zone = await cli(
        'band',
        'set',
        '--tariff',
        'bx',
        '--zone',
        'Mars/Olympus',
        'p/1/08:00-18:00/q',
      );
      assert.equal(zone.code, 2, zone.stderr);
      assert.match(zone.stderr, /unknown time zone 'Mars\/Olympus'/);
      const backwards = await cli(
        'band',
        'set',
        '--tariff',
        'bx',
        '--zone',
        'UTC',
        'p/1/18:00-08:00/q',
      );
      assert.equal(backwards.code, 2);
      assert.match(backwards.stderr, /within one day/);
      assert.deepEqual(parsed(await cli('band', 'list', '--tariff', 'bx', '--json')), []);
    });
  });
});

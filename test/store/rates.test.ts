import assert from 'node:assert/strict';
import type { Rate } from '../../daemon/src/rating/index.js';
import { StoreError } from '../../daemon/src/store/errors.js';
import { forEachDatabase, money, type TestStore } from '../support/db.js';

const rate = (tariff: string, prefix: string, perMin: string, description = ''): Rate => ({
  tariff,
  prefix,
  description,
  ratePerMin: money(perMin),
  connectFee: 0n,
  initialSecs: 60,
  incrementSecs: 6,
  minSecs: 0,
});

describe('rates', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;
    before(async () => {
      t = await tdb.open();
      await t.store.upsertRates([
        rate('std', '4', '0.30'),
        rate('std', '44', '0.05', 'UK'),
        rate('std', '447', '0.12', 'UK mobile'),
        rate('cheap', '44', '0.01'),
      ]);
    });

    it('finds the longest matching prefix of the tariff', async () => {
      assert.equal((await t.store.rateFor('std', '447700900123'))?.prefix, '447');
      assert.equal((await t.store.rateFor('std', '442079460000'))?.prefix, '44');
      assert.equal((await t.store.rateFor('std', '4930'))?.prefix, '4');
      assert.equal((await t.store.rateFor('cheap', '447700900123'))?.ratePerMin, money('0.01'));
      assert.equal(await t.store.rateFor('std', '33123'), undefined);
      assert.equal(await t.store.rateFor('nosuch', '44'), undefined);
      assert.equal(await t.store.rateFor('std', ''), undefined);
    });

    it('updates an existing (tariff, prefix) instead of adding a second row', async () => {
      const r = await t.store.upsertRates([rate('up', '1', '0.10'), rate('up', '12', '0.20')]);
      assert.deepEqual(r, { inserted: 2, updated: 0 });
      const again = await t.store.upsertRates([
        rate('up', '1', '0.15', 'changed'),
        rate('up', '13', '0.30'),
      ]);
      assert.deepEqual(again, { inserted: 1, updated: 1 });
      const list = await t.store.listRates('up');
      assert.deepEqual(
        list.map((x) => [x.prefix, x.ratePerMin, x.description]),
        [
          ['1', money('0.15'), 'changed'],
          ['12', money('0.20'), ''],
          ['13', money('0.30'), ''],
        ],
      );
    });

    it('rejects a whole batch when one rate is bad or a prefix repeats within a tariff', async () => {
      await assert.rejects(
        t.store.upsertRates([
          rate('bad', '1', '0.1'),
          { ...rate('bad', '2', '0.1'), incrementSecs: 0 },
        ]),
        StoreError,
      );
      await assert.rejects(
        t.store.upsertRates([rate('bad', '1', '0.1'), rate('bad', '1', '0.2')]),
        /appears twice/,
      );
      await assert.rejects(t.store.upsertRates([rate('bad', '1a', '0.1')]), /prefix/);
      assert.equal(await t.store.tariffExists('bad'), false);
    });

    it('keeps sub-cent rates exact', async () => {
      await t.store.upsertRates([rate('tiny', '1', '0.00125')]);
      assert.equal((await t.store.rateFor('tiny', '1555'))?.ratePerMin, 125n);
    });
  });
});

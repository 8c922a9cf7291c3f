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

const T = new Date('2030-06-01T00:00:00.000Z');
const justBefore = new Date(T.getTime() - 1);
const justAfter = new Date(T.getTime() + 1);

describe('rate-deck versions', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;
    before(async () => {
      t = await tdb.open();
      await t.store.upsertRates([
        rate('ver', '44', '0.05', 'UK'),
        rate('ver', '33', '0.07'),
        rate('ver', '49', '0.02'),
      ]);
    });

    it('shows the diff of a dry run and writes nothing', async () => {
      const [d] = await t.store.importRateVersion(
        [rate('ver', '44', '0.06', 'UK'), rate('ver', '49', '0.02'), rate('ver', '4930', '0.01')],
        T,
        { dryRun: true },
      );
      assert.equal(d!.replaces?.getTime(), 0, 'takes over from the version since always');
      assert.deepEqual(
        d!.added.map((r) => r.prefix),
        ['4930'],
      );
      assert.deepEqual(
        d!.removed.map((r) => r.prefix),
        ['33'],
      );
      assert.deepEqual(
        d!.changed.map((c) => [c.after.prefix, c.before.ratePerMin, c.after.ratePerMin, c.delta]),
        [['44', money('0.05'), money('0.06'), money('0.01')]],
      );
      assert.equal(d!.unchanged, 1);
      assert.equal((await t.store.rateVersions('ver')).length, 1, 'no version written');
      assert.equal((await t.store.rateFor('ver', '4930123', justAfter))?.prefix, '49');
    });

    it('rates by the version in force at the call’s time: before, at and after the switch', async () => {
      await t.store.importRateVersion(
        [rate('ver', '44', '0.06', 'UK'), rate('ver', '49', '0.02'), rate('ver', '4930', '0.01')],
        T,
      );
      assert.equal((await t.store.rateFor('ver', '4412', justBefore))?.ratePerMin, money('0.05'));
      assert.equal((await t.store.rateFor('ver', '4412', T))?.ratePerMin, money('0.06'));
      assert.equal((await t.store.rateFor('ver', '4412', justAfter))?.ratePerMin, money('0.06'));
      assert.equal((await t.store.rateFor('ver', '3312', justBefore))?.prefix, '33');
      assert.equal(
        await t.store.rateFor('ver', '3312', justAfter),
        undefined,
        'removed in the new version',
      );
      assert.equal((await t.store.rateFor('ver', '4930123', justAfter))?.prefix, '4930');
      assert.equal((await t.store.rateFor('ver', '4930123', justBefore))?.prefix, '49');
      assert.deepEqual(
        (await t.store.listRates('ver', justAfter)).map((r) => r.prefix),
        ['44', '49', '4930'],
      );
      assert.deepEqual(
        (await t.store.listRates('ver', justBefore)).map((r) => r.prefix),
        ['33', '44', '49'],
      );
    });

    it('finds an account with the rate of the version in force at the given time (one round trip)', async () => {
      const a = await t.seedAccount({ tariff: 'ver', balance: '1' });
      assert.equal(
        (await t.store.accountByNameWithRate(a.name, '4412', justBefore))?.rate?.ratePerMin,
        money('0.05'),
      );
      assert.equal(
        (await t.store.accountByNameWithRate(a.name, '4412', justAfter))?.rate?.ratePerMin,
        money('0.06'),
      );
      assert.equal(
        (await t.store.accountByNameWithRate(a.name, '3312', justAfter))?.rate,
        undefined,
      );
    });

    it('replaces a version at the same time, and a deck with a bad row changes nothing', async () => {
      const [d] = await t.store.importRateVersion(
        [rate('ver', '44', '0.08', 'UK'), rate('ver', '49', '0.02')],
        T,
      );
      assert.equal(
        d!.replaces?.getTime(),
        T.getTime(),
        'the diff is against the version it replaces',
      );
      assert.deepEqual(
        d!.removed.map((r) => r.prefix),
        ['4930'],
      );
      await assert.rejects(
        t.store.importRateVersion([rate('ver', '44', '0.09'), { ...rate('ver', '4x', '0.01') }], T),
        (e: unknown) => e instanceof StoreError && e.code === 'INVALID',
      );
      assert.equal((await t.store.rateFor('ver', '4412', justAfter))?.ratePerMin, money('0.08'));
      assert.equal((await t.store.rateFor('ver', '4930123', justAfter))?.prefix, '49');
      assert.deepEqual(
        (await t.store.rateVersions('ver')).map((v) => [v.effective.getTime(), v.rates]),
        [
          [0, 3],
          [T.getTime(), 2],
        ],
      );
    });

    it('a tariff with only a future version has no rate until then', async () => {
      await t.store.importRateVersion([rate('later', '44', '0.01')], T);
      assert.equal(await t.store.rateFor('later', '4412', justBefore), undefined);
      assert.equal((await t.store.rateFor('later', '4412', justAfter))?.prefix, '44');
    });

    it('adds single rates to the version in force now, not to a later one', async () => {
      await t.store.upsertRates([rate('ver', '34', '0.03')]);
      assert.equal((await t.store.rateFor('ver', '3412', justBefore))?.prefix, '34');
      assert.equal(await t.store.rateFor('ver', '3412', justAfter), undefined);
    });
  });
});

/**
 * accountByNameWithRate: the account named by a channel's accountcode and the rate of the dialled
 * number in THAT account's tariff, in one query (what the daemon asks before it authorises).
 */
import assert from 'node:assert/strict';
import { forEachDatabase, money, uniqueName, type TestStore } from '../support/db.js';
import { roundTrips } from '../support/round-trips.js';

describe('an account with the rate of a number', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;

    before(async () => {
      t = await tdb.open();
      await t.seedRate({ tariff: 'retail', prefix: '44', rate: '0.05' });
      await t.seedRate({ tariff: 'retail', prefix: '447', rate: '0.12' });
      await t.seedRate({ tariff: 'wholesale', prefix: '44', rate: '0.02' });
      // A longer match in another tariff must not win.
      await t.seedRate({ tariff: 'wholesale', prefix: '4477', rate: '0.01' });
    });

    it('finds the longest prefix in the account’s own tariff', async () => {
      const a = await t.seedAccount({ name: uniqueName('retail'), balance: '3', tariff: 'retail' });
      const found = await t.store.accountByNameWithRate(a.name, '447700900123');
      assert.equal(found?.account.id, a.id);
      assert.equal(found?.account.balance, money('3'));
      assert.deepEqual(
        [found?.rate?.tariff, found?.rate?.prefix, found?.rate?.ratePerMin],
        ['retail', '447', money('0.12')],
      );
      const w = await t.seedAccount({
        name: uniqueName('wholesale'),
        balance: '3',
        tariff: 'wholesale',
      });
      assert.deepEqual(
        (await t.store.accountByNameWithRate(w.name, '447700900123'))?.rate?.prefix,
        '4477',
      );
      assert.deepEqual((await t.store.accountByNameWithRate(w.name, '441234'))?.rate?.prefix, '44');
    });

    it('answers no rate for a number with no route, and nothing for an unknown account', async () => {
      const a = await t.seedAccount({ name: uniqueName('retail'), tariff: 'retail' });
      const noRoute = await t.store.accountByNameWithRate(a.name, '33123456789');
      assert.equal(noRoute?.account.id, a.id);
      assert.equal(noRoute?.rate, undefined);
      assert.equal(
        await t.store.accountByNameWithRate('nobody-' + uniqueName(), '447700900123'),
        undefined,
      );
      assert.equal((await t.store.accountByNameWithRate(a.name, ''))?.rate, undefined);
    });

    it('answers what accountByName and rateFor answer', async () => {
      const a = await t.seedAccount({
        name: uniqueName('retail'),
        balance: '7.5',
        tariff: 'retail',
      });
      for (const number of ['447700900123', '4412', '44', '4', '33123']) {
        const both = await t.store.accountByNameWithRate(a.name, number);
        assert.deepEqual(
          both,
          {
            account: await t.store.accountByName(a.name),
            rate: await t.store.rateFor('retail', number),
          },
          number,
        );
      }
    });

    if (tdb.kind === 'mysql') {
      it('asks MariaDB once', async () => {
        const a = await t.seedAccount({ name: uniqueName('retail'), tariff: 'retail' });
        assert.equal(
          await roundTrips(() => t.store.accountByNameWithRate(a.name, '447700900123')),
          1,
        );
      });
    }
  });
});

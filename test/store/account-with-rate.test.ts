/**
 * accountByNameWithRate: the account named by a channel's accountcode and the rate of the dialled
 * number in THAT account's tariff, with the account's number rules and the number's carrier
 * routing, in one query (what the daemon asks before it authorises).
 */
import assert from 'node:assert/strict';
import { forEachDatabase, money, uniqueName, type TestStore } from '../support/db.js';
import { roundTrips } from '../support/round-trips.js';
import { parseRule } from '../../daemon/src/rating/index.js';

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

    it('answers what accountByName, rateFor, numberRules and routeCandidates answer', async () => {
      const a = await t.seedAccount({
        name: uniqueName('retail'),
        balance: '7.5',
        tariff: 'retail',
      });
      const ask = async (number: string) => {
        const account = await t.store.accountByName(a.name);
        const rate = await t.store.rateFor('retail', number);
        return {
          account,
          rate,
          banding: (rate && (await t.store.bandingFor(rate, number, new Date()))) ?? null,
          rules: await t.store.numberRules(account!),
          routing: await t.store.routeCandidates('retail', number),
        };
      };
      const numbers = ['447700900123', '4412', '44', '4', '33123'];
      for (const number of numbers)
        assert.deepEqual(
          await t.store.accountByNameWithRate(a.name, number),
          await ask(number),
          number,
        );
      // The same once the account's tariff has number rules, a carrier with buy rates and a plan.
      await t.store.setNumberRules({
        scope: 'tariff',
        owner: 'retail',
        rules: [parseRule('intl:00'), parseRule('national:0:44')],
      });
      const trunk = uniqueName('carrier').slice(0, 40);
      await t.store.addTrunk({
        name: trunk,
        dial: `PJSIP/{number}@${trunk}`,
        stripDigits: 0,
        techPrefix: '',
        maxChannels: null,
        enabled: true,
      });
      await t.store.upsertBuyRates(trunk, [
        {
          tariff: '',
          prefix: '447',
          description: '',
          ratePerMin: money('0.01'),
          connectFee: 0n,
          initialSecs: 1,
          incrementSecs: 1,
          minSecs: 0,
        },
      ]);
      await t.store.setRoutePlan('retail', 'priority', trunk);
      for (const number of numbers) {
        const both = await t.store.accountByNameWithRate(a.name, number);
        assert.deepEqual(both, await ask(number), number);
      }
      // And once the tariff has time bands, one band tariff pricing the number, one not.
      await t.seedRate({ tariff: 'retail-peak', prefix: '4477', rate: '0.20', connect: '0.05' });
      await t.seedRate({ tariff: 'retail-wkend', prefix: '33', rate: '0.01' });
      await t.store.setBands({
        tariff: 'retail',
        zone: 'Europe/Berlin',
        bands: [
          { name: 'peak', days: [1, 2, 3, 4, 5], from: 480, to: 1080, bandTariff: 'retail-peak' },
          { name: 'wkend', days: [6, 7], from: 0, to: 1440, bandTariff: 'retail-wkend' },
        ],
      });
      for (const number of numbers) {
        const both = await t.store.accountByNameWithRate(a.name, number);
        assert.deepEqual(both, await ask(number), number);
      }
      const found = await t.store.accountByNameWithRate(a.name, '447700900123');
      assert.deepEqual(
        found?.banding?.bands.map((b) => [b.name, b.ratePerMin, b.connectFee]),
        [
          ['peak', money('0.20'), money('0.05')],
          ['wkend', money('0.12'), 0n],
        ],
        'peak from its deck, the weekend deck has no rate for 44: the base rate',
      );
      assert.equal(found?.rules?.length, 2);
      assert.deepEqual(
        [found?.routing?.configured, found?.routing?.plan.mode, found?.routing?.candidates.length],
        [true, 'priority', 1],
      );
    });

    if (tdb.kind === 'mysql') {
      it('asks MariaDB once, time bands included', async () => {
        const a = await t.seedAccount({ name: uniqueName('retail'), tariff: 'retail' });
        const w = await t.seedAccount({ name: uniqueName('wholesale'), tariff: 'wholesale' });
        for (const name of [a.name, w.name])
          assert.equal(
            await roundTrips(() => t.store.accountByNameWithRate(name, '447700900123')),
            1,
          );
      });
    }
  });
});

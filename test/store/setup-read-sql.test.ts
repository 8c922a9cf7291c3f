/**
 * The set-up read's hand-written MariaDB text (store/setup-read-sql.ts) against the statements
 * knex builds (setup-read.ts knexRows): for every account and number below both must answer the
 * same rows, value for value and type for type, and so the same account, rate, banding, rules and
 * routing; and the identification reads (store/identify-sql.ts: by name, caller ID, PIN) the same
 * account as accounts.ts. SQLite has no hand-written text (it keeps knex), so this runs on MariaDB only.
 */
import assert from 'node:assert/strict';
import { candidatePrefixes, parseRule } from '../../daemon/src/rating/index.js';
import * as accounts from '../../daemon/src/store/accounts.js';
import { accountBy } from '../../daemon/src/store/identify-sql.js';
import { knexRows, setupRead } from '../../daemon/src/store/setup-read.js';
import { setupReadRows } from '../../daemon/src/store/setup-read-sql.js';
import { toDbTime } from '../../daemon/src/store/time.js';
import { forEachDatabase, money, uniqueName, type TestStore } from '../support/db.js';

const TARIFF = uniqueName('sqlread');
const OTHER = uniqueName('sqlread-other');
const PEAK = uniqueName('sqlread-peak');

describe('the set-up read as hand-written SQL', () => {
  forEachDatabase((tdb) => {
    if (tdb.kind !== 'mysql') return;
    let t: TestStore;
    const names: string[] = [];
    const later = new Date('2031-01-01T00:00:00.000Z');

    before(async () => {
      t = await tdb.open();
      await t.seedRate({ tariff: TARIFF, prefix: '44', rate: '0.05' });
      await t.seedRate({ tariff: TARIFF, prefix: '447', rate: '0.12', connect: '0.01' });
      await t.seedRate({ tariff: TARIFF, prefix: '4477', rate: '0.15' });
      // A longer match in another tariff must not win; nor a newer deck before it is in force.
      await t.seedRate({ tariff: OTHER, prefix: '44770', rate: '0.01' });
      const { id: _id, ...row } = (await t
        .knex('astrate')
        .where({ tariff: TARIFF, prefix: '447' })
        .first()) as Record<string, unknown>;
      await t
        .knex('astrate')
        .insert({ ...row, effective: toDbTime(later), rate_per_min: String(money('0.25')) });
      await t.seedRate({ tariff: PEAK, prefix: '4477', rate: '0.30' });
      await t.store.setBands({
        tariff: TARIFF,
        zone: 'Europe/Berlin',
        bands: [{ name: 'peak', days: [1, 2, 3, 4, 5], from: 480, to: 1080, bandTariff: PEAK }],
      });
      await t.store.setNumberRules({
        scope: 'tariff',
        owner: TARIFF,
        rules: [parseRule('intl:00'), parseRule('national:0:44')],
      });
      const plain = await t.seedAccount({ tariff: TARIFF, balance: '9.5' });
      const card = await t.seedAccount({ tariff: TARIFF, pin: '739152', anis: ['+447700900555'] });
      const blocked = await t.seedAccount({ tariff: TARIFF, creditLimit: '2', maxCalls: 3 });
      await t.knex('astaccount').where({ name: blocked.name }).update({ status: 'blocked' });
      const ruled = await t.seedAccount({ tariff: OTHER, maxSeconds: 120 });
      await t.store.setNumberRules({
        scope: 'account',
        owner: ruled.name,
        rules: [parseRule('intl:00')],
      });
      names.push(plain.name, card.name, blocked.name, ruled.name, 'nobody-' + uniqueName());
      const trunk = uniqueName('sqlread-trunk').slice(0, 40);
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
      await t.store.setRoutePlan(TARIFF, 'priority', trunk);
    });

    const numbers = ['447700900123', '4477', '447', '44', '4', '33123456', '9'.repeat(45)];
    const times = [new Date('2030-03-05T10:00:00.000Z'), new Date('2031-03-08T10:00:00.000Z')];

    it('answers the same rows as the knex statements', async () => {
      let compared = 0;
      for (const name of names)
        for (const number of numbers)
          for (const at of times) {
            const prefixes = candidatePrefixes(number.slice(0, 40));
            const mine = await setupReadRows(t.db.oneTrip!, name, prefixes, toDbTime(at));
            const theirs = await knexRows(t.knex, name, prefixes, at);
            assert.deepStrictEqual(mine, theirs, `${name} ${number} ${at.toISOString()}`);
            compared += 1;
          }
      assert.equal(compared, names.length * numbers.length * times.length);
    });

    it('answers the same account, rate, banding, rules and routing', async () => {
      const seen = new Set<string>();
      for (const name of names)
        for (const number of [...numbers, ''])
          for (const at of times) {
            const mine = await setupRead(t.knex, name, number, at, t.db.oneTrip);
            const theirs = await setupRead(t.knex, name, number, at);
            assert.deepStrictEqual(mine, theirs, `${name} ${number} ${at.toISOString()}`);
            if (mine?.rate) seen.add(`${mine.rate.prefix} ${mine.rate.ratePerMin}`);
            if (mine === undefined) seen.add('missing');
            if (mine?.account.status === 'blocked') seen.add('blocked');
            if (mine?.account.hasPin) seen.add('pin');
          }
      // What the comparison covered: the longest prefix of each deck version, another tariff's
      // longer prefix, a blocked account, a PIN account and an unknown one.
      assert.deepEqual([...seen].sort(), [
        '44 5000',
        '447 12000',
        '447 25000',
        '4477 15000',
        '44770 1000',
        'blocked',
        'missing',
        'pin',
      ]);
    });

    it('identifies by name, caller ID and PIN hash as the knex reads do', async () => {
      const oneTrip = t.db.oneTrip!;
      const hashes = (await t.knex('astaccount').whereIn('name', names).select('pin_hash')) as {
        pin_hash: string | null;
      }[];
      const pinHashes = hashes.flatMap((h) => (h.pin_hash === null ? [] : [h.pin_hash]));
      assert.equal(pinHashes.length, 1, 'the card account has a PIN');
      const found: string[] = [];
      for (const name of names) {
        const mine = await accountBy(oneTrip, 'name', name);
        assert.deepStrictEqual(mine, await accounts.accountByName(t.knex, name), name);
        if (mine) found.push(`name ${mine.status}`);
      }
      for (const ani of ['+447700900555', '+447700900556']) {
        const mine = await accountBy(oneTrip, 'ani', ani);
        assert.deepStrictEqual(mine, await accounts.accountByAni(t.knex, ani), ani);
        if (mine) found.push(`ani ${mine.name === names[1]}`);
      }
      for (const hash of [...pinHashes, 'no-such-hash']) {
        const mine = await accountBy(oneTrip, 'pinHash', hash);
        assert.deepStrictEqual(mine, await accounts.accountByPinHash(t.knex, hash), hash);
        if (mine) found.push(`pin ${mine.name === names[1]}`);
      }
      // Through the store (which uses the hand-written reads here): the card account by its PIN.
      assert.equal((await t.store.accountByPin('739152'))?.name, names[1]);
      assert.deepEqual(found, [
        'name active',
        'name active',
        'name blocked',
        'name active',
        'ani true',
        'pin true',
      ]);
    });
  });
});

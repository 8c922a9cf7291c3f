import assert from 'node:assert/strict';
import { StoreError } from '../../daemon/src/store/errors.js';
import { forEachDatabase, money, uniqueName, type TestStore } from '../support/db.js';

async function rejects(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(
    p,
    (err: unknown) => err instanceof StoreError && err.code === code && message.test(err.message),
  );
}

describe('accounts', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;
    before(async () => {
      t = await tdb.open();
      await t.seedRate({ tariff: 'default', prefix: '44' });
      await t.seedRate({ tariff: 'gold', prefix: '1' });
    });

    it('creates an account with its ANIs, a hashed PIN and an opening ledger row', async () => {
      const name = uniqueName('alice');
      const a = await t.seedAccount({
        name,
        balance: '10.5',
        pin: '90210111',
        anis: ['+4420700001', '4420700002'],
        tariff: 'gold',
        creditLimit: '2',
        maxCalls: 2,
        maxSeconds: 600,
        currency: 'GBP',
      });
      assert.equal(a.name, name);
      assert.equal(a.balance, money('10.5'));
      assert.equal(a.creditLimit, money('2'));
      assert.deepEqual(
        [a.tariff, a.currency, a.maxCalls, a.maxCallSeconds, a.hasPin, a.status],
        ['gold', 'GBP', 2, 600, true, 'active'],
      );
      assert.deepEqual(a.anis, ['+4420700001', '4420700002']);
      const stored = (await t.knex('astaccount').where({ name }).first('pin_hash')) as {
        pin_hash: string;
      };
      assert.match(stored.pin_hash, /^[0-9a-f]{64}$/);
      assert.notEqual(stored.pin_hash, '90210111');
      assert.equal(await t.store.ledgerSum(a.id), money('10.5'));
    });

    it('finds an account by name, by caller ID and by PIN', async () => {
      const a = await t.seedAccount({ pin: '55501234', anis: ['15550001'] });
      assert.equal((await t.store.accountByName(a.name))?.id, a.id);
      assert.equal((await t.store.accountByAni('15550001'))?.id, a.id);
      assert.equal((await t.store.accountByPin('55501234'))?.id, a.id);
      assert.equal(await t.store.accountByPin('55501235'), undefined);
      assert.equal(await t.store.accountByAni('15550009'), undefined);
      assert.equal(await t.store.accountByName('nobody-here'), undefined);
    });

    it('refuses a duplicate name, PIN or ANI and writes nothing', async () => {
      const a = await t.seedAccount({ pin: '77770000', anis: ['15551111'] });
      const before = await t.knex('astaccount').count({ n: '*' });
      await rejects(t.seedAccount({ name: a.name }), 'DUPLICATE', /already exists/);
      await rejects(t.seedAccount({ pin: '77770000' }), 'DUPLICATE', /PIN/);
      const fresh = uniqueName('fresh');
      await rejects(
        t.seedAccount({ name: fresh, balance: '5', anis: ['15552222', '15551111'] }),
        'DUPLICATE',
        new RegExp(`ANI 15551111 already belongs to account '${a.name}'`),
      );
      assert.deepEqual(await t.knex('astaccount').count({ n: '*' }), before);
      assert.equal(await t.store.accountByAni('15552222'), undefined);
      assert.equal(await t.store.accountByName(fresh), undefined);
    });

    it('refuses an unknown tariff, a negative balance and a malformed PIN', async () => {
      await rejects(
        t.seedAccount({ tariff: 'nosuch' }),
        'UNKNOWN_TARIFF',
        /unknown tariff 'nosuch'/,
      );
      await rejects(t.seedAccount({ balance: '-1' }), 'INVALID', /negative/);
      await rejects(t.seedAccount({ pin: '12a4' }), 'INVALID', /PIN/);
      await rejects(t.seedAccount({ anis: ['1', '1'] }), 'INVALID', /twice/);
    });

    it('blocks and unblocks', async () => {
      const a = await t.seedAccount();
      assert.equal((await t.store.setAccountStatus(a.name, 'blocked')).status, 'blocked');
      assert.equal((await t.store.accountByName(a.name))?.status, 'blocked');
      assert.equal((await t.store.setAccountStatus(a.name, 'active')).status, 'active');
      await rejects(t.store.setAccountStatus('nobody-here', 'blocked'), 'NOT_FOUND', /no account/);
    });

    it('tops up through the ledger, refuses a non-positive top-up and a reused reference', async () => {
      const a = await t.seedAccount({ balance: '1' });
      const e = await t.store.topup(a.name, money('2.00001'), { reference: `pay-${a.name}` });
      assert.equal(e.balanceAfter, money('3.00001'));
      assert.equal((await t.store.accountByName(a.name))?.balance, money('3.00001'));
      await rejects(t.store.topup(a.name, 0n), 'INVALID', /positive/);
      await rejects(
        t.store.topup(a.name, money('1'), { reference: `pay-${a.name}` }),
        'DUPLICATE',
        /already booked/,
      );
      await rejects(t.store.topup('nobody-here', money('1')), 'NOT_FOUND', /no account/);
      assert.equal(await t.store.ledgerSum(a.id), money('3.00001'));
    });

    it('refuses amounts beyond the exact range (2^53 − 1 minor units, about 90 billion)', async () => {
      await rejects(t.seedAccount({ balance: '90071992547.40992' }), 'INVALID', /too large/);
      const a = await t.seedAccount({ balance: '90071992547.40990' });
      await rejects(t.store.topup(a.name, 2n), 'INVALID', /too large/);
      assert.equal((await t.store.accountByName(a.name))?.balance, 9007199254740990n);
    });
  });
});

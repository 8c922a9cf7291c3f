import assert from 'node:assert/strict';
import { MIGRATIONS } from '../../daemon/src/store/migrations/index.js';
import { migrateLatest, pendingMigrations } from '../../daemon/src/store/migrate.js';
import { forEachDatabase, type TestStore } from '../support/db.js';

describe('schema and migrations', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;
    before(async () => {
      t = await tdb.open();
    });

    it('records one stable name per migration, without a file extension', async () => {
      const rows = (await t.knex('knex_migrations').orderBy('id').select('name')) as Array<{
        name: string;
      }>;
      assert.deepEqual(
        rows.map((r) => r.name),
        MIGRATIONS.map((m) => m.name),
      );
      assert.ok(rows.every((r) => !/\.(ts|js)$/.test(r.name)));
    });

    it('is current after migrating, and migrating again does nothing', async () => {
      assert.deepEqual(await pendingMigrations(t.db), []);
      assert.deepEqual(await migrateLatest(t.db), []);
    });

    it('shows money to operators as exact decimals in the views', async () => {
      await t.seedRate({ tariff: 'views', prefix: '1', rate: '0.00001', connect: '0.1' });
      const a = await t.seedAccount({
        tariff: 'views',
        balance: '12345678901.23456',
        creditLimit: '0.00001',
      });
      await t.knex('astaccount').where({ id: a.id }).update({ reserved: 1n });
      const row = (await t.knex('astaccount_view').where({ name: a.name }).first()) as Record<
        string,
        unknown
      >;
      assert.equal(String(row.balance), '12345678901.23456');
      assert.equal(String(row.credit_limit), '0.00001');
      assert.equal(String(row.reserved), '0.00001');
      assert.equal(String(row.available), '12345678901.23456');
      const rate = (await t.knex('astrate_view').where({ tariff: 'views' }).first()) as Record<
        string,
        unknown
      >;
      assert.equal(String(rate.rate_per_min), '0.00001');
      assert.equal(String(rate.connect_fee), '0.10000');
      await t.knex('astaccount').where({ id: a.id }).update({ reserved: 0n });
    });

    it('shows negative amounts (charges) exactly in the ledger view', async () => {
      await t.seedRate({ tariff: 'views', prefix: '1' });
      const a = await t.seedAccount({ tariff: 'views', balance: '1' });
      await t.store.topup(a.name, -123n, { kind: 'adjustment' });
      const rows = (await t
        .knex('astledger_view')
        .where({ account: a.name })
        .orderBy('id')) as Array<Record<string, unknown>>;
      assert.deepEqual(
        rows.map((r) => [r.kind, String(r.amount), String(r.balance_after)]),
        [
          ['topup', '1.00000', '1.00000'],
          ['adjustment', '-0.00123', '0.99877'],
        ],
      );
    });
  });
});

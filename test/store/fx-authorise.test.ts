/** authorise on a tariff with a currency: converted through the rate in force, or not at all. */
import assert from 'node:assert/strict';
import { parseFxRate, type Rate } from '../../daemon/src/rating/index.js';
import type { AuthoriseRequest } from '../../daemon/src/session/ports.js';
import { forEachDatabase, money, uniqueName, type TestStore } from '../support/db.js';

describe('authorising on a tariff with a currency', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;
    let usd: Rate;
    let plain: Rate;
    const start = new Date('2030-05-01T10:00:00.000Z');
    const req = (accountId: number, rate: Rate): AuthoriseRequest => ({
      uniqueid: uniqueName('fx'),
      accountId,
      src: '1001',
      dst: '4420000001',
      rate,
      node: 'node1',
      defaultMaxSeconds: 3600,
      start,
    });
    const raw = async (uniqueid: string) =>
      (await t.db
        .knex('astcdr')
        .where({ uniqueid })
        .first('fx_rate', 'tariff_currency', 'tariff_cost')) as Record<string, unknown>;

    before(async () => {
      t = await tdb.open();
      await t.seedRate({ tariff: 'tusd', prefix: '44', rate: '0.10', initial: 1, increment: 1 });
      await t.seedRate({ tariff: 'default', prefix: '44', rate: '0.10', initial: 1, increment: 1 });
      await t.store.setTariffCurrency('tusd', 'USD');
      await t.store.setFxRate({
        base: 'USD',
        quote: 'EUR',
        rate: parseFxRate('0.920'),
        effectiveFrom: new Date('2030-01-01T00:00:00Z'),
      });
      usd = (await t.store.rateFor('tusd', '4420000001', start))!;
      plain = (await t.store.rateFor('default', '4420000001', start))!;
      assert.equal(usd.currency, 'USD');
      assert.equal(plain.currency, undefined, 'no currency: the account’s');
    });

    it('snapshots the rate on the CDR and reserves the converted cost; a repeat answers the same', async () => {
      const a = await t.seedAccount({ balance: '0.46', currency: 'EUR', tariff: 'tusd' });
      const r = req(a.id, usd);
      const res = await t.store.authorise(r);
      // 0.46 EUR ≤ 0.50 USD at 0.92: 300 s.
      assert.deepEqual(res, {
        ok: true,
        maxSeconds: 300,
        maxCost: money('0.46'),
        available: money('0.46'),
        fx: { currency: 'USD', rate: parseFxRate('0.920') },
      });
      assert.deepEqual(await raw(r.uniqueid), {
        fx_rate: '0.920',
        tariff_currency: 'USD',
        tariff_cost: null,
      });
      // The repeat reports what is available now (the first reservation taken).
      assert.deepEqual(await t.store.authorise(r), { ...res, available: 0n });
      assert.equal((await t.store.accountByName(a.name))?.reserved, money('0.46'));
    });

    it('does not convert when the tariff is in the account’s currency, or has none', async () => {
      const a = await t.seedAccount({ balance: '0.46', currency: 'USD', tariff: 'tusd' });
      const b = await t.seedAccount({ balance: '0.46', currency: 'EUR' });
      for (const [acct, rate] of [
        [a, usd],
        [b, plain],
      ] as const) {
        const r = req(acct.id, rate);
        assert.deepEqual(await t.store.authorise(r), {
          ok: true,
          maxSeconds: 276,
          maxCost: money('0.46'),
          available: money('0.46'),
        });
        const cdr = await raw(r.uniqueid);
        assert.equal(cdr.fx_rate, null);
      }
    });

    it('refuses NOFX without a rate for the pair, naming the tariff currency, reserving nothing', async () => {
      const a = await t.seedAccount({ balance: '5', currency: 'CHF', tariff: 'tusd' });
      const r = req(a.id, usd);
      assert.deepEqual(await t.store.authorise(r), {
        ok: false,
        reason: 'NOFX',
        available: money('5'),
      });
      const cdr = (await t.store.cdr(r.uniqueid))!;
      assert.deepEqual([cdr.reason, cdr.status, cdr.cost], ['NOFX', 'settled', 0n]);
      assert.deepEqual(await raw(r.uniqueid), {
        fx_rate: null,
        tariff_currency: 'USD',
        tariff_cost: null,
      });
      assert.equal((await t.store.accountByName(a.name))?.reserved, 0n);
      assert.deepEqual(await t.store.authorise(r), {
        ok: false,
        reason: 'NOFX',
        available: money('5'),
      });
    });
  });
});

import assert from 'node:assert/strict';
import { parseFxRate, parseMoney } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import { startHarness, type Harness } from './harness.js';
import { answeredCall } from './seed-calls.js';

describe('API GET /fx and revenue by currency', () => {
  forEachDatabase((tdb) => {
    let h: Harness;
    before(async () => {
      h = await startHarness(tdb);
    });
    after(async () => h.close());

    it('lists the exchange rates by pair and effective time, and the tariff currencies', async () => {
      assert.deepEqual((await h.req('GET', '/fx')).json, { rates: [], tariffs: [] });
      const s = h.t.store;
      await s.setFxRate({
        base: 'USD',
        quote: 'EUR',
        rate: parseFxRate('0.9350'),
        effectiveFrom: new Date('2026-12-02T12:00:00Z'),
      });
      await s.setFxRate({
        base: 'USD',
        quote: 'EUR',
        rate: parseFxRate('0.92'),
        effectiveFrom: new Date('2026-12-01T00:00:00Z'),
      });
      await s.setTariffCurrency('us-deck', 'USD');
      const r = await h.req('GET', '/fx');
      assert.equal(r.status, 200);
      assert.deepEqual(r.json, {
        rates: [
          { base: 'USD', quote: 'EUR', rate: '0.92', effectiveFrom: '2026-12-01T00:00:00.000Z' },
          { base: 'USD', quote: 'EUR', rate: '0.9350', effectiveFrom: '2026-12-02T12:00:00.000Z' },
        ],
        tariffs: [{ tariff: 'us-deck', currency: 'USD' }],
      });
    });

    it("sums today's revenue per account currency on the dashboard", async () => {
      const s = h.t.store;
      await h.t.seedRate({
        tariff: 'default',
        prefix: '44',
        rate: '0.06',
        initial: 1,
        increment: 1,
      });
      await h.t.seedRate({
        tariff: 'us-deck',
        prefix: '44',
        rate: '0.10',
        initial: 1,
        increment: 1,
      });
      const eur = await h.t.seedAccount({ balance: '10', currency: 'EUR' });
      const usd = await h.t.seedAccount({ balance: '10', currency: 'USD' });
      const onUsd = await h.t.seedAccount({ balance: '10', currency: 'EUR', tariff: 'us-deck' });
      const start = new Date(Date.now() - 60_000);
      const rate = (await s.rateFor('default', '447700900123'))!;
      const usdRate = (await s.rateFor('us-deck', '447700900123'))!;
      assert.equal(usdRate.currency, 'USD');
      await answeredCall(s, { accountId: eur.id, rate, dst: '447700900123', start, billsec: 60 });
      await answeredCall(s, { accountId: usd.id, rate, dst: '447700900123', start, billsec: 30 });
      // 60 s at 0.10 USD at the rate in force now (0.9350): 0.0935 EUR.
      const { uniqueid } = await answeredCall(s, {
        accountId: onUsd.id,
        rate: usdRate,
        dst: '447700900123',
        start,
        billsec: 60,
      });
      const cdr = (await s.cdr(uniqueid))!;
      assert.equal(cdr.cost, parseMoney('0.0935'));
      assert.equal(cdr.tariffCost, parseMoney('0.10'));
      const listed = (await h.req('GET', `/cdrs?account=${onUsd.name}`)).json.cdrs;
      assert.deepEqual(
        listed.map((c: Record<string, unknown>) => [
          c.cost,
          c.tariffCurrency,
          c.fxRate,
          c.tariffCost,
        ]),
        [['0.0935', 'USD', '0.9350', '0.10']],
      );
      const d = (await h.req('GET', '/dashboard')).json;
      assert.deepEqual(d.today.revenueByCurrency, [
        { currency: 'EUR', revenue: '0.1535' },
        { currency: 'USD', revenue: '0.03' },
      ]);
    });
  });
});

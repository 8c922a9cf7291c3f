import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import { startHarness, type Harness } from './harness.js';

describe('API /tariffs/{name}/bands', () => {
  forEachDatabase((tdb) => {
    let h: Harness;
    before(async () => {
      h = await startHarness(tdb);
      for (const tariff of ['apiband', 'apiband-peak', 'apiband-wkend', 'apiflat'])
        await h.t.seedRate({ tariff, prefix: '44', rate: '0.05' });
      await h.t.store.setBands({
        tariff: 'apiband',
        zone: 'Europe/Berlin',
        bands: [
          { name: 'peak', days: [5, 1, 2, 3, 4], from: 480, to: 1080, bandTariff: 'apiband-peak' },
          { name: 'weekend', days: [6, 7], from: 0, to: 1440, bandTariff: 'apiband-wkend' },
        ],
      });
    });
    after(async () => h.close());

    it("shows a tariff's bands in order, with their windows and band tariffs", async () => {
      const r = await h.req('GET', '/tariffs/apiband/bands');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, {
        tariff: 'apiband',
        zone: 'Europe/Berlin',
        bands: [
          { name: 'peak', days: [1, 2, 3, 4, 5], from: 480, to: 1080, bandTariff: 'apiband-peak' },
          { name: 'weekend', days: [6, 7], from: 0, to: 1440, bandTariff: 'apiband-wkend' },
        ],
      });
    });

    it('answers no bands for a flat tariff, 404 for an unknown one and 400 for a bad name', async () => {
      const flat = await h.req('GET', '/tariffs/apiflat/bands');
      assert.equal(flat.status, 200, flat.text);
      assert.deepEqual(flat.json, { tariff: 'apiflat', zone: null, bands: [] });
      const unknown = await h.req('GET', '/tariffs/no-such-tariff/bands');
      assert.equal(unknown.status, 404);
      assert.match(unknown.json.error as string, /no tariff 'no-such-tariff'/);
      assert.equal((await h.req('GET', '/tariffs/bad%20name/bands')).status, 400);
      assert.equal((await h.req('GET', '/tariffs/apiband/bands', { token: null })).status, 401);
    });

    it('is in the published OpenAPI document', async () => {
      const doc = await h.req('GET', '/openapi.json');
      const op = doc.json.paths['/tariffs/{name}/bands']?.get;
      assert.equal(op?.operationId, 'getTariffBands');
    });
  });
});

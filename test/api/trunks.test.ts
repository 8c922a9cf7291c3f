import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import { startHarness, type Harness } from './harness.js';

describe('API /trunks', () => {
  forEachDatabase((tdb) => {
    let h: Harness;
    before(async () => (h = await startHarness(tdb)));
    after(async () => h.close());

    it('adds a trunk, lists it, disables and enables it', async () => {
      const r = await h.req('POST', '/trunks', {
        body: { name: 'carrier-a', dial: 'PJSIP/{number}@carrier-a', maxChannels: 5 },
      });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.headers.get('location'), '/trunks/carrier-a');
      const off = await h.req('POST', '/trunks/carrier-a/disable');
      assert.equal(off.status, 200, off.text);
      assert.equal(off.json.enabled, false);
      const list = await h.req('GET', '/trunks');
      assert.deepEqual(list.json.trunks, [
        {
          name: 'carrier-a',
          dial: 'PJSIP/{number}@carrier-a',
          stripDigits: 0,
          techPrefix: '',
          maxChannels: 5,
          enabled: false,
        },
      ]);
      assert.equal((await h.req('POST', '/trunks/carrier-a/enable')).json.enabled, true);
    });

    it('refuses a template without {number}, a second trunk of one name and an unknown trunk', async () => {
      const before = (await h.req('GET', '/trunks')).json.trunks;
      const bad = await h.req('POST', '/trunks', {
        body: { name: 'carrier-x', dial: 'PJSIP/447700900123@carrier-x' },
      });
      assert.equal(bad.status, 400, bad.text);
      assert.match(bad.json.error, /has no \{number\}/);
      const twice = await h.req('POST', '/trunks', {
        body: { name: 'carrier-a', dial: 'PJSIP/{number}@other' },
      });
      assert.equal(twice.status, 409, twice.text);
      const unknown = await h.req('POST', '/trunks/nope/disable');
      assert.equal(unknown.status, 404, unknown.text);
      assert.match(unknown.json.error, /no trunk 'nope'/);
      assert.deepEqual((await h.req('GET', '/trunks')).json.trunks, before);
    });

    it('reports per trunk and day, and refuses a day that is not one', async () => {
      const r = await h.req('GET', '/trunks/report?day=2026-11-22&days=2');
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { days: [] });
      assert.equal((await h.req('GET', '/trunks/report?day=22-11-2026')).status, 400);
    });
  });
});

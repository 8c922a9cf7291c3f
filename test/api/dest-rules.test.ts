import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import { startHarness, type Harness } from './harness.js';

describe('API /dest-rules', () => {
  forEachDatabase((tdb) => {
    let h: Harness;
    before(async () => {
      h = await startHarness(tdb);
      await h.t.seedRate({ tariff: 'default', prefix: '44', rate: '0.05' });
    });
    after(async () => h.close());

    it('denies prefixes of a tariff, lists them, removes one; refuses bad input', async () => {
      const set = await h.req('POST', '/dest-rules', {
        body: { scope: 'tariff', owner: 'default', prefixes: ['870', '8816'], action: 'deny' },
      });
      assert.equal(set.status, 200, set.text);
      assert.deepEqual(set.json, { changed: 2 });
      await h.req('POST', '/dest-rules', {
        body: { scope: 'tariff', owner: 'default', prefixes: ['870'], action: 'remove' },
      });
      const list = await h.req('GET', '/dest-rules?scope=tariff&owner=default');
      assert.deepEqual(list.json, {
        rules: [{ scope: 'tariff', owner: 'default', prefix: '8816', action: 'deny' }],
      });
      const audit = await h.req('GET', '/audit?target=tariff:default');
      assert.deepEqual(
        (audit.json.entries as Array<{ actor: string; action: string; after: string }>)
          .reverse()
          .map((e) => [
            e.actor,
            e.action,
            (JSON.parse(e.after) as { prefixes: string[] }).prefixes,
          ]),
        [
          ['api-token', 'dest.deny', ['870', '8816']],
          ['api-token', 'dest.remove', ['870']],
        ],
      );
      const bad = await h.req('POST', '/dest-rules', {
        body: { scope: 'tariff', owner: 'default', prefixes: ['8x'], action: 'deny' },
      });
      assert.equal(bad.status, 400);
      const unknown = await h.req('POST', '/dest-rules', {
        body: { scope: 'account', owner: 'nobody', prefixes: ['1'], action: 'deny' },
      });
      assert.equal(unknown.status, 404);
    });
  });
});

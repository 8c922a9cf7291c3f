import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import { startHarness, type Harness } from './harness.js';

describe('API /accounts/{name}/caps', () => {
  forEachDatabase((tdb) => {
    let h: Harness;
    before(async () => {
      h = await startHarness(tdb);
      await h.t.seedRate({ tariff: 'default', prefix: '44', rate: '0.05' });
    });
    after(async () => h.close());

    it('shows no caps, sets some (the others stay), clears one with null, and the store enforces them', async () => {
      const a = await h.t.seedAccount({ balance: '10' });
      const none = await h.req('GET', `/accounts/${a.name}/caps`);
      assert.equal(none.status, 200, none.text);
      assert.deepEqual(none.json, {
        day: null,
        month: null,
        perCall: null,
        perMinute: null,
        lowBalance: null,
        largeTopup: null,
        burstMinutes: null,
        burstSpend: null,
        blockedDestPerMinute: null,
        concurrent: null,
      });
      const set = await h.req('POST', `/accounts/${a.name}/caps`, {
        body: { day: '2.5', perMinute: 4 },
      });
      assert.equal(set.status, 200, set.text);
      assert.deepEqual(set.json, {
        day: '2.50',
        month: null,
        perCall: null,
        perMinute: 4,
        lowBalance: null,
        largeTopup: null,
        burstMinutes: null,
        burstSpend: null,
        blockedDestPerMinute: null,
        concurrent: null,
      });
      const more = await h.req('POST', `/accounts/${a.name}/caps`, {
        body: { day: null, month: '30', lowBalance: '1' },
      });
      assert.deepEqual(more.json, {
        day: null,
        month: '30.00',
        perCall: null,
        perMinute: 4,
        lowBalance: '1.00',
        largeTopup: null,
        burstMinutes: null,
        burstSpend: null,
        blockedDestPerMinute: null,
        concurrent: null,
      });
      // Each change is in the audit trail with who made it and the caps before and after.
      const audit = await h.req('GET', `/audit?target=account:${a.name}`);
      assert.equal(audit.status, 200, audit.text);
      const rows = (
        audit.json.entries as Array<{
          actor: string;
          action: string;
          before: string;
          after: string;
        }>
      ).reverse();
      assert.deepEqual(
        rows.map((e) => [e.actor, e.action]),
        [
          ['api-token', 'caps'],
          ['api-token', 'caps'],
        ],
      );
      assert.deepEqual(
        [JSON.parse(rows[1]!.before), JSON.parse(rows[1]!.after)].map((c) => [c.day, c.month]),
        [
          ['2.50000', null],
          [null, '30.00000'],
        ],
      );
      assert.deepEqual(await h.t.store.caps(a.name), {
        dayMax: null,
        monthMax: parseMoney('30'),
        callMax: null,
        callsPerMin: 4,
        lowBalance: parseMoney('1'),
        largeTopup: null,
        burstMinutes: null,
        burstSpend: null,
        blockedDestPerMin: null,
        concurrentMax: null,
      });
    });

    it('refuses a cap of 0 or below, unknown fields and unknown accounts', async () => {
      const a = await h.t.seedAccount({ balance: '10' });
      for (const body of [{ day: '0' }, { perCall: '-1' }, { perMinute: 0 }, { weekly: '1' }]) {
        const r = await h.req('POST', `/accounts/${a.name}/caps`, { body });
        assert.equal(r.status, 400, JSON.stringify(body));
      }
      assert.equal((await h.req('GET', '/accounts/nobody/caps')).status, 404);
      assert.deepEqual((await h.req('GET', `/accounts/${a.name}/caps`)).json.day, null);
    });
  });
});

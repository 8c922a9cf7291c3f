/**
 * Requests that do not match the route's schema get a 400 whose message names the field, and
 * nothing changes: for every kind of input (path parameter, query, body, nested items).
 */
import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import { startHarness, type Harness } from './harness.js';

describe('API input validation', () => {
  forEachDatabase((tdb) => {
    let h: Harness;
    before(async () => {
      h = await startHarness(tdb);
      await h.t.seedRate({ tariff: 'default', prefix: '44', rate: '0.05' });
      assert.equal((await h.req('POST', '/accounts', { body: { name: 'alice' } })).status, 201);
    });
    after(async () => h.close());

    const rate = { prefix: '49', ratePerMin: '0.10' };
    const cases: Array<[string, string, unknown, RegExp]> = [
      ['GET', '/accounts/has%20space', undefined, /^'name' is not valid: account name$/],
      ['GET', '/rates?tarif=default', undefined, /^unknown field 'tarif' \(allowed: tariff\)$/],
      ['GET', '/calls?node=a%20b', undefined, /^'node' is not valid/],
      ['POST', '/accounts/alice/topup', {}, /^'amount' is required$/],
      ['POST', '/accounts/alice/topup', { amount: 5 }, /^'amount' must be a string$/],
      [
        'POST',
        '/accounts/alice/topup',
        { amount: '5', reference: '' },
        /^'reference' must not be empty$/,
      ],
      ['POST', '/rates', { rates: rate }, /^'rates' must be an array$/],
      [
        'POST',
        '/rates',
        { rates: [rate, { ...rate, prefix: '4x' }] },
        /^'rates\[1\]\.prefix' is not valid: destination prefix, 1-20 digits$/,
      ],
      ['POST', '/rates', { rates: [{ prefix: '1' }] }, /^'rates\[0\]\.ratePerMin' is required$/],
      [
        'POST',
        '/rates',
        { rates: [{ ...rate, initialSecs: 0 }] },
        /^'rates\[0\]\.initialSecs' must be at least 1$/,
      ],
      [
        'POST',
        '/rates',
        { rates: [{ ...rate, rate: '1' }] },
        /^unknown field 'rates\[0\]\.rate' \(allowed: tariff, prefix, /,
      ],
      ['POST', '/callbacks', { account: 'alice', a: '1001' }, /^'b' is required$/],
      ['POST', '/callbacks', { account: 'alice', a: '1001', b: 1002 }, /^'b' must be a string$/],
    ];
    for (const [method, path, body, message] of cases) {
      it(`${method} ${path} ${JSON.stringify(body) ?? ''} → 400 ${message.source}`, async () => {
        const r = await h.req(method, path, body === undefined ? {} : { body });
        assert.equal(r.status, 400, r.text);
        assert.match(r.json.error, message);
      });
    }

    it('changes nothing when a request is refused', async () => {
      const before = await h.req('GET', '/accounts/alice/ledger');
      assert.equal((await h.req('POST', '/rates', { body: { rates: [rate, {}] } })).status, 400);
      assert.deepEqual(
        (await h.req('GET', '/rates')).json.rates.map((r: { prefix: string }) => r.prefix),
        ['44'],
      );
      assert.deepEqual((await h.req('GET', '/accounts/alice/ledger')).json, before.json);
    });
  });
});

import assert from 'node:assert/strict';
import { ApiConfigError, ApiServer } from '../../daemon/src/api/server.js';
import { bearerChecker } from '../../daemon/src/api/auth.js';
import { forEachDatabase } from '../support/db.js';
import { startHarness, TOKEN, type Harness } from './harness.js';

describe('API authentication', () => {
  describe('when the API is configured', () => {
    const deps = {} as ConstructorParameters<typeof ApiServer>[1];
    it('refuses to start without a token', () => {
      assert.throws(
        () => new ApiServer({ port: 0, host: '127.0.0.1', token: null }, deps),
        (e: unknown) =>
          e instanceof ApiConfigError && /ASTBILL_API_TOKEN is not set/.test(e.message),
      );
      assert.throws(
        () => new ApiServer({ port: 0, host: '127.0.0.1', token: '' }, deps),
        ApiConfigError,
      );
    });

    it('refuses a token that is short enough to guess', () => {
      assert.throws(
        () => new ApiServer({ port: 0, host: '127.0.0.1', token: 'short' }, deps),
        /at least 16 characters/,
      );
    });

    it('refuses the .env.example placeholder', () => {
      assert.throws(
        () => new ApiServer({ port: 0, host: '127.0.0.1', token: 'CHANGE-ME-api-token' }, deps),
        /placeholder/,
      );
    });
  });

  describe('the bearer check', () => {
    const ok = bearerChecker(TOKEN);
    it('accepts exactly the configured token, case-insensitive scheme', () => {
      assert.equal(ok(`Bearer ${TOKEN}`), true);
      assert.equal(ok(`bearer ${TOKEN}`), true);
    });
    it('rejects a missing, different, longer, shorter or non-bearer credential', () => {
      for (const h of [
        undefined,
        '',
        'Bearer',
        `Bearer ${TOKEN}x`,
        `Bearer ${TOKEN.slice(1)}`,
        `Basic ${TOKEN}`,
        TOKEN,
        `Bearer ${TOKEN} extra`,
      ]) {
        assert.equal(ok(h), false, String(h));
      }
    });
  });

  forEachDatabase((tdb) => {
    let h: Harness;
    before(async () => {
      h = await startHarness(tdb);
    });
    after(async () => h.close());

    const everyRoute: Array<[string, string]> = [
      ['GET', '/health'],
      ['GET', '/metrics'],
      ['GET', '/openapi.json'],
      ['GET', '/calls'],
      ['POST', '/calls/x/hangup'],
      ['GET', '/accounts'],
      ['POST', '/accounts'],
      ['GET', '/accounts/alice'],
      ['GET', '/accounts/alice/ledger'],
      ['POST', '/accounts/alice/topup'],
      ['POST', '/accounts/alice/block'],
      ['POST', '/accounts/alice/unblock'],
      ['GET', '/rates'],
      ['POST', '/rates'],
      ['GET', '/cdrs'],
      ['GET', '/no/such/route'],
    ];

    it('answers 401 on every route without a token', async () => {
      for (const [method, path] of everyRoute) {
        const r = await h.req(method, path, { token: null });
        assert.equal(r.status, 401, `${method} ${path}`);
        assert.match(r.json.error, /bearer token/);
        assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="astbill"');
      }
    });

    it('answers 401 on every route with a wrong token', async () => {
      for (const [method, path] of everyRoute) {
        const r = await h.req(method, path, { token: 'wrong-token-0123456789abcdef' });
        assert.equal(r.status, 401, `${method} ${path}`);
      }
    });

    it('answers 401 to Basic credentials carrying the right token', async () => {
      const r = await h.req('GET', '/accounts', {
        token: null,
        headers: { authorization: `Basic ${TOKEN}` },
      });
      assert.equal(r.status, 401);
    });

    it('does not run the route before authenticating (nothing is created)', async () => {
      const r = await h.req('POST', '/accounts', { token: null, body: { name: 'sneaky' } });
      assert.equal(r.status, 401);
      assert.equal(await h.t.store.accountDetails('sneaky'), undefined);
    });

    it('lets the right token through', async () => {
      const r = await h.req('GET', '/accounts');
      assert.equal(r.status, 200);
    });
  });
});

/**
 * POST /accounts/{name}/limits and /callerids over real HTTP and the database: what changes,
 * what is refused with which status and message (and then nothing changes), which role may do
 * which, and the audit rows GET /audit shows.
 */
import assert from 'node:assert/strict';
import { OperatorStore } from '../../daemon/src/store/operators/index.js';
import { forEachDatabase } from '../support/db.js';
import { startHarness, type Harness } from './harness.js';

forEachDatabase((tdb) => {
  describe('API account limits and caller IDs', function () {
    this.timeout(30_000);
    let h: Harness;
    let support: string;
    before(async () => {
      h = await startHarness(tdb);
      await h.t.seedRate({ tariff: 'default', prefix: '44', rate: '0.05' });
      await h.t.seedAccount({ name: 'alice', balance: '10', anis: ['+4420111'] });
      await h.t.seedAccount({ name: 'bob', balance: '1', anis: ['4420999'] });
      const ops = new OperatorStore(h.t.db);
      await ops.add({ name: 'sam', role: 'support', password: 'support password 1' });
      support = (await ops.addToken({ name: 'sam', label: 'desk' })).token;
    });
    after(async () => h.close());
    const alice = async () => (await h.t.store.accountDetails('alice'))!;

    it('changes only the limits given, returns the account with decimal strings', async () => {
      const r = await h.req('POST', '/accounts/alice/limits', {
        body: { creditLimit: '3.14159', maxCalls: 2 },
      });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(
        [r.json.creditLimit, r.json.available, r.json.maxCalls, r.json.maxCallSeconds],
        ['3.14159', '13.14159', 2, null],
      );
      const back = await h.req('POST', '/accounts/alice/limits', { body: { maxCalls: null } });
      assert.equal(back.json.maxCalls, null);
      assert.equal(back.json.creditLimit, '3.14159', 'untouched');
      const a = await alice();
      assert.deepEqual([a.creditLimit, a.maxCalls], [314_159n, null]);
    });

    it('refuses bad limits with the reason, and changes nothing', async () => {
      const before = await alice();
      for (const [body, status, message] of [
        [{ creditLimit: '-1' }, 400, /credit limit must not be negative/],
        [{ creditLimit: '1.123456' }, 400, /creditLimit/],
        [{ maxCallSeconds: 0 }, 400, /maxCallSeconds/],
        [{ maxCalls: 1.5 }, 400, /maxCalls/],
      ] as const) {
        const r = await h.req('POST', '/accounts/alice/limits', { body });
        assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
        assert.match(r.json.error, message);
      }
      const empty = await h.req('POST', '/accounts/alice/limits', { body: {} });
      assert.equal(empty.status, 400);
      assert.match(empty.json.error, /give a limit to change/);
      const nobody = await h.req('POST', '/accounts/nobody/limits', { body: { maxCalls: 1 } });
      assert.equal(nobody.status, 404);
      assert.deepEqual(await alice(), before);
    });

    it('adds and removes caller IDs in one change; refuses what would identify two accounts', async () => {
      const r = await h.req('POST', '/accounts/alice/callerids', {
        body: { add: ['4420222', '4420333'], remove: ['+4420111'] },
      });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual((await alice()).anis, ['4420222', '4420333']);
      const dup = await h.req('POST', '/accounts/alice/callerids', {
        body: { add: ['4420444', '4420999'] },
      });
      assert.equal(dup.status, 409);
      assert.match(dup.json.error, /caller ID 4420999 already belongs to account 'bob'/);
      const missing = await h.req('POST', '/accounts/alice/callerids', {
        body: { remove: ['4420555'] },
      });
      assert.equal(missing.status, 404);
      assert.match(missing.json.error, /has no caller ID 4420555/);
      const bad = await h.req('POST', '/accounts/alice/callerids', { body: { add: ['12ab'] } });
      assert.equal(bad.status, 400);
      assert.deepEqual((await alice()).anis, ['4420222', '4420333'], 'all or nothing');
      assert.equal((await h.t.store.accountByAni('4420222'))?.name, 'alice');
    });

    it('a support token may change caller IDs but not limits', async () => {
      const ok = await h.req('POST', '/accounts/alice/callerids', {
        token: support,
        body: { remove: ['4420333'] },
      });
      assert.equal(ok.status, 200, ok.text);
      const no = await h.req('POST', '/accounts/alice/limits', {
        token: support,
        body: { creditLimit: '500' },
      });
      assert.equal(no.status, 403);
      assert.match(no.json.error, /needs the admin role; you are support/);
      assert.equal((await alice()).creditLimit, 314_159n);
    });

    it('GET /audit shows each change with before and after', async () => {
      const r = await h.req('GET', '/audit?target=account:alice');
      const rows = (r.json.entries as Array<Record<string, string>>)
        .reverse()
        .map((e) => [e.actor, e.action, JSON.parse(e.before!), JSON.parse(e.after!)]);
      assert.deepEqual(rows, [
        [
          'api-token',
          'limit',
          { creditLimit: '0.00000', maxCalls: null, maxCallSeconds: null },
          { creditLimit: '3.14159', maxCalls: 2, maxCallSeconds: null },
        ],
        [
          'api-token',
          'limit',
          { creditLimit: '3.14159', maxCalls: 2, maxCallSeconds: null },
          { creditLimit: '3.14159', maxCalls: null, maxCallSeconds: null },
        ],
        [
          'api-token',
          'callerid',
          { callerIds: ['+4420111'] },
          { callerIds: ['4420222', '4420333'] },
        ],
        [
          'token:desk (sam)',
          'callerid',
          { callerIds: ['4420222', '4420333'] },
          { callerIds: ['4420222'] },
        ],
      ]);
    });
  });
});

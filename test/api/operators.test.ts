/**
 * Operators against the real API server and database: logins with a session cookie and CSRF
 * token, roles enforced by the API itself (not by a button), per-operator tokens, login
 * throttling, and the audit trail of every change made here.
 */
import assert from 'node:assert/strict';
import { OperatorStore } from '../../daemon/src/store/operators/index.js';
import { forEachDatabase } from '../support/db.js';
import { startHarness, type Harness, type Reply } from './harness.js';

const PASSWORD = 'correct horse battery';

forEachDatabase((tdb) => {
  describe('operators, sessions and roles', function () {
    this.timeout(30_000);
    let h: Harness;
    let ops: OperatorStore;
    before(async () => {
      // Payments configured, so POST /payments is in the sweep below and must refuse no signature.
      h = await startHarness(tdb, {
        payments: { secret: 'payment-secret-0123456789', windowSeconds: 300 },
      });
      ops = new OperatorStore(h.t.db);
      await ops.add({ name: 'ada', role: 'admin', password: PASSWORD });
      await ops.add({ name: 'sam', role: 'support', password: PASSWORD });
      await ops.add({ name: 'rita', role: 'read-only', password: PASSWORD });
      await h.t.seedRate({ tariff: 'default', prefix: '44', rate: '0.05' });
      await h.t.seedAccount({ name: 'alice', balance: '10' });
    });
    after(async () => h.close());

    async function login(name: string, password = PASSWORD) {
      const r = await h.req('POST', '/login', { token: null, body: { name, password } });
      const setCookie = r.headers.get('set-cookie') ?? '';
      return { r, cookie: setCookie.split(';')[0]!, setCookie, csrf: r.json?.csrf as string };
    }
    type Login = Awaited<ReturnType<typeof login>>;
    const asUser = (s: Login, csrf: string | null = s.csrf) => ({
      token: null,
      headers: { cookie: s.cookie, ...(csrf !== null ? { 'x-csrf-token': csrf } : {}) },
    });
    const parsed = (entries: Array<Record<string, unknown>>): Array<Record<string, unknown>> =>
      entries.map((e) => ({
        ...e,
        before: JSON.parse(e.before as string) as unknown,
        after: JSON.parse(e.after as string) as unknown,
      }));
    const balance = async () => (await h.t.store.accountDetails('alice'))!.balance;

    it('answers 401 on every route of the table without a session or token', async () => {
      const doc = (await h.req('GET', '/openapi.json')).json as {
        paths: Record<string, Record<string, { 'x-required-role': string }>>;
      };
      let checked = 0;
      for (const [path, methods] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          if (op['x-required-role'] === 'public') continue;
          const concrete = path.replace(/\{[^}]+\}/g, 'alice');
          for (const headers of [{}, { cookie: 'astbill_session=forged-value' }] as Array<
            Record<string, string>
          >) {
            const r = await h.req(method.toUpperCase(), concrete, { token: null, headers });
            assert.equal(r.status, 401, `${method} ${concrete} with ${JSON.stringify(headers)}`);
          }
          checked++;
        }
      }
      assert.ok(checked >= 15, `only ${checked} routes in the table`);
    });

    it('logs in with an HttpOnly SameSite=Strict cookie and returns a CSRF token', async () => {
      const s = await login('ada');
      assert.equal(s.r.status, 200);
      assert.deepEqual(
        { name: s.r.json.name, role: s.r.json.role },
        { name: 'ada', role: 'admin' },
      );
      assert.match(s.setCookie, /^astbill_session=[A-Za-z0-9_-]{40,};/);
      assert.match(s.setCookie, /; HttpOnly/);
      assert.match(s.setCookie, /; SameSite=Strict/);
      assert.ok(s.csrf.length >= 24);
      const who = await h.req('GET', '/session', asUser(s, null));
      assert.deepEqual(who.json, { name: 'ada', role: 'admin', csrf: s.csrf });
    });

    it('refuses a wrong password and an unknown name alike', async () => {
      const a = await login('ada', 'not the password');
      const b = await login('nobody-here', 'not the password');
      assert.equal(a.r.status, 401);
      assert.equal(b.r.status, 401);
      assert.equal(a.r.json.error, b.r.json.error);
      assert.equal(a.setCookie, '');
    });

    it('refuses a cookie POST without or with a wrong CSRF token, and changes nothing', async () => {
      const s = await login('sam');
      const before = await balance();
      for (const csrf of [null, 'x'.repeat(s.csrf.length), '']) {
        const r = await h.req('POST', '/accounts/alice/topup', {
          ...asUser(s, csrf),
          body: { amount: '1.00' },
        });
        assert.equal(r.status, 403, `csrf ${String(csrf)}`);
        assert.match(r.json.error, /CSRF/);
      }
      assert.equal(await balance(), before);
      const ok = await h.req('POST', '/accounts/alice/topup', {
        ...asUser(s),
        body: { amount: '1.00' },
      });
      assert.equal(ok.status, 200);
      assert.equal(await balance(), before + 100_000n);
    });

    it('a read-only operator reads but cannot top up, block or import: the API refuses', async () => {
      const s = await login('rita');
      assert.equal((await h.req('GET', '/accounts', asUser(s))).status, 200);
      const before = await balance();
      const refused: Reply[] = [
        await h.req('POST', '/accounts/alice/topup', { ...asUser(s), body: { amount: '5' } }),
        await h.req('POST', '/accounts/alice/block', asUser(s)),
        await h.req('POST', '/rates', {
          ...asUser(s),
          body: { rates: [{ prefix: '49', ratePerMin: '0.10' }] },
        }),
      ];
      for (const r of refused) {
        assert.equal(r.status, 403);
        assert.match(r.json.error, /needs the (support|admin) role; you are read-only/);
      }
      assert.equal(await balance(), before);
      assert.equal((await h.t.store.accountDetails('alice'))!.status, 'active');
      assert.equal((await h.t.store.listRates()).length, 1);
    });

    it('a support token tops up, blocks and resets a PIN but cannot import rates', async () => {
      const { token } = await ops.addToken({ name: 'sam', label: 'helpdesk' });
      const up = await h.req('POST', '/accounts/alice/topup', { token, body: { amount: '2.50' } });
      assert.equal(up.status, 200);
      assert.equal((await h.req('POST', '/accounts/alice/block', { token })).status, 200);
      assert.equal((await h.req('POST', '/accounts/alice/unblock', { token })).status, 200);
      const pin = await h.req('POST', '/accounts/alice/pin', { token, body: { pin: '73519264' } });
      assert.equal(pin.status, 200);
      assert.equal(pin.json.hasPin, true);
      assert.equal((await h.t.store.accountByPin('73519264'))?.name, 'alice');
      const rates = await h.req('POST', '/rates', {
        token,
        body: { rates: [{ prefix: '49', ratePerMin: '0.10' }] },
      });
      assert.equal(rates.status, 403);
      assert.deepEqual(
        (await h.t.store.listRates()).map((r) => r.prefix),
        ['44'],
      );
      const create = await h.req('POST', '/accounts', { token, body: { name: 'eve' } });
      assert.equal(create.status, 403);
      assert.equal(await h.t.store.accountDetails('eve'), undefined);
      // Caps, destination rules and event resends are admin changes; the lists are readable.
      const caps = await h.req('POST', '/accounts/alice/caps', { token, body: { day: '1' } });
      assert.equal(caps.status, 403);
      assert.equal((await h.t.store.caps('alice'))!.dayMax, null);
      const deny = await h.req('POST', '/dest-rules', {
        token,
        body: { scope: 'account', owner: 'alice', prefixes: ['44'], action: 'deny' },
      });
      assert.equal(deny.status, 403);
      assert.deepEqual(await h.t.store.listDestRules(), []);
      assert.equal((await h.req('POST', '/events/1/resend', { token })).status, 403);
      for (const path of ['/accounts/alice/caps', '/dest-rules', '/events'])
        assert.equal((await h.req('GET', path, { token })).status, 200, path);
    });

    it('a token never has more than its operator, and stops with a disabled operator', async () => {
      await ops.add({ name: 'temp', role: 'read-only', password: PASSWORD });
      const { token, role } = await ops.addToken({ name: 'temp', role: 'admin', label: 'x' });
      assert.equal(role, 'read-only');
      const s = await login('temp');
      assert.equal((await h.req('GET', '/accounts', { token })).status, 200);
      assert.equal((await h.req('GET', '/accounts', asUser(s))).status, 200);
      await ops.setDisabled('temp', true);
      assert.equal((await h.req('GET', '/accounts', { token })).status, 401);
      assert.equal((await h.req('GET', '/accounts', asUser(s))).status, 401);
      assert.equal((await login('temp')).r.status, 401);
    });

    it('an admin session imports rates; ASTBILL_API_TOKEN still works as admin', async () => {
      const s = await login('ada');
      const r = await h.req('POST', '/rates', {
        ...asUser(s),
        body: { rates: [{ prefix: '44', ratePerMin: '0.07' }] },
      });
      assert.equal(r.status, 200);
      assert.deepEqual(r.json, { inserted: 0, updated: 1 });
      const created = await h.req('POST', '/accounts', { body: { name: 'bob', balance: '3' } });
      assert.equal(created.status, 201);
    });

    it('logout ends the session', async () => {
      const s = await login('ada');
      assert.equal((await h.req('POST', '/logout', asUser(s))).status, 204);
      assert.equal((await h.req('GET', '/accounts', asUser(s))).status, 401);
    });

    it('throttles logins after 5 failures for a name: even the right password is refused', async () => {
      await ops.add({ name: 'target', role: 'admin', password: PASSWORD });
      for (let i = 0; i < 5; i++) assert.equal((await login('target', `guess-${i}`)).r.status, 401);
      const blocked = await login('target');
      assert.equal(blocked.r.status, 429);
      assert.equal(blocked.r.headers.get('retry-after'), '900');
      assert.equal(blocked.setCookie, '');
      // Other names are not locked out by one name's failures.
      assert.equal((await login('ada')).r.status, 200);
    });

    it('the audit trail records each change made above, with who, before and after', async () => {
      const s = await login('sam');
      const r = await h.req('GET', '/audit?target=account:alice', asUser(s));
      assert.equal(r.status, 200);
      const rows = parsed(r.json.entries).reverse();
      assert.deepEqual(
        rows.map((e) => [e.actor, e.action]),
        [
          ['user:sam', 'topup'],
          ['token:helpdesk (sam)', 'topup'],
          ['token:helpdesk (sam)', 'block'],
          ['token:helpdesk (sam)', 'unblock'],
          ['token:helpdesk (sam)', 'pin.reset'],
        ],
      );
      assert.deepEqual(rows[0]!.before, { balance: '10.00000' });
      assert.deepEqual(
        { ...(rows[0]!.after as object), ledgerId: undefined },
        { balance: '11.00000', amount: '1.00000', reference: null, ledgerId: undefined },
      );
      assert.deepEqual(
        [rows[2]!.before, rows[2]!.after],
        [{ status: 'active' }, { status: 'blocked' }],
      );
      assert.deepEqual([rows[4]!.before, rows[4]!.after], [{ pin: false }, { pin: true }]);
      assert.ok(!JSON.stringify(rows).includes('73519264'), 'the PIN itself is never audited');

      const all = parsed((await h.req('GET', '/audit')).json.entries);
      const rates = all.find((e) => e.action === 'rates.import')!;
      assert.equal(rates.actor, 'user:ada');
      assert.deepEqual(
        (rates.before as { replaced: Array<{ ratePerMin: string }> }).replaced.map(
          (x) => x.ratePerMin,
        ),
        ['0.05000'],
      );
      const created = all.find((e) => e.action === 'account.create')!;
      assert.deepEqual([created.actor, created.target], ['api-token', 'account:bob']);
      // Refused changes (403, CSRF) left no row: exactly the five account changes above.
      assert.equal(rows.length, 5);
    });

    it('a change that fails writes no audit row (same transaction)', async () => {
      const before = (await ops.audit()).length;
      const first = await h.req('POST', '/accounts/alice/topup', {
        body: { amount: '1', reference: 'pay-1' },
      });
      assert.equal(first.status, 200);
      const again = await h.req('POST', '/accounts/alice/topup', {
        body: { amount: '1', reference: 'pay-1' },
      });
      assert.equal(again.status, 409);
      assert.equal((await ops.audit()).length, before + 1);
    });

    it('read-only may not read the audit trail', async () => {
      const s = await login('rita');
      assert.equal((await h.req('GET', '/audit', asUser(s))).status, 403);
    });

    it('ends a live event stream when its session ends (logout), and a new one is refused', async () => {
      const s = await login('rita');
      const r = await fetch(`${h.base}/console/events`, { headers: { cookie: s.cookie } });
      assert.equal(r.status, 200);
      const reader = r.body!.getReader();
      let text = '';
      const readUntil = async (done: (t: string) => boolean) => {
        while (!done(text)) {
          const chunk = await reader.read();
          if (chunk.done) return true;
          text += new TextDecoder().decode(chunk.value);
        }
        return false;
      };
      await readUntil((t) => t.includes('event: snapshot'));
      assert.equal((await h.req('POST', '/logout', asUser(s))).status, 204);
      assert.equal(await readUntil(() => false), true, 'the server closed the stream');
      assert.match(text, /event: ended\ndata: \{"reason":"the session ended: log in again"\}/);
      const again = await fetch(`${h.base}/console/events`, { headers: { cookie: s.cookie } });
      assert.equal(again.status, 401);
      await again.body?.cancel();
    });
  });
});

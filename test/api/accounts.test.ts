import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import { startHarness, type Harness } from './harness.js';

describe('API /accounts', () => {
  forEachDatabase((tdb) => {
    let h: Harness;
    before(async () => {
      h = await startHarness(tdb);
      await h.t.seedRate({ tariff: 'default', prefix: '44', rate: '0.05' });
      await h.t.seedRate({ tariff: 'gold', prefix: '1', rate: '0.01' });
    });
    after(async () => h.close());

    describe('when an operator creates an account', () => {
      it('returns 201 with money as decimal strings and a Location header', async () => {
        const r = await h.req('POST', '/accounts', {
          body: {
            name: 'alice',
            balance: '10.5',
            creditLimit: '0.25',
            anis: ['1001', '+441234'],
            pin: '123456',
            maxCalls: 2,
            maxCallSeconds: 1800,
          },
        });
        assert.equal(r.status, 201, r.text);
        assert.equal(r.headers.get('location'), '/accounts/alice');
        assert.deepEqual(
          { ...r.json, created: undefined, updated: undefined },
          {
            name: 'alice',
            status: 'active',
            balance: '10.50',
            creditLimit: '0.25',
            reserved: '0.00',
            available: '10.75',
            currency: 'EUR',
            tariff: 'default',
            maxCalls: 2,
            maxCallSeconds: 1800,
            hasPin: true,
            anis: ['+441234', '1001'],
            liveCalls: 0,
            created: undefined,
            updated: undefined,
          },
        );
        assert.match(r.json.created, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        assert.ok(!r.text.includes('123456'), 'the PIN is never echoed');
      });

      it('keeps sub-cent amounts exact (five decimal places)', async () => {
        const r = await h.req('POST', '/accounts', {
          body: { name: 'tiny', balance: '0.00001', tariff: 'gold', currency: 'USD' },
        });
        assert.equal(r.status, 201, r.text);
        assert.equal(r.json.balance, '0.00001');
        assert.equal(r.json.tariff, 'gold');
        assert.equal(r.json.currency, 'USD');
      });

      it('answers 409 for a name that exists', async () => {
        const r = await h.req('POST', '/accounts', { body: { name: 'alice' } });
        assert.equal(r.status, 409);
        assert.match(r.json.error, /already exists/);
      });

      it('answers 409 for an ANI owned by another account', async () => {
        const r = await h.req('POST', '/accounts', { body: { name: 'bob', anis: ['1001'] } });
        assert.equal(r.status, 409);
        assert.match(r.json.error, /1001/);
      });

      it('answers 400 for a tariff without rates', async () => {
        const r = await h.req('POST', '/accounts', { body: { name: 'carol', tariff: 'nosuch' } });
        assert.equal(r.status, 400);
        assert.match(r.json.error, /unknown tariff 'nosuch'/);
      });

      const invalid: Array<[string, unknown, RegExp]> = [
        ['no name', { balance: '1' }, /'name' is required/],
        ['a bad name', { name: 'has space' }, /'name' is not valid/],
        ['a numeric balance', { name: 'x1', balance: 10 }, /'balance' must be a string/],
        ['a float-looking balance', { name: 'x1', balance: '1e3' }, /'balance' is not valid/],
        ['too many decimals', { name: 'x1', balance: '0.000001' }, /'balance' is not valid/],
        ['a negative balance', { name: 'x1', balance: '-1' }, /balance must not be negative/],
        ['a short PIN', { name: 'x1', pin: '12' }, /'pin' is not valid/],
        ['a bad ANI', { name: 'x1', anis: ['12a'] }, /'anis\[0\]' is not valid/],
        [
          'a fractional maxCalls',
          { name: 'x1', maxCalls: 1.5 },
          /'maxCalls' must be a whole number/,
        ],
        [
          'maxCallSeconds out of range',
          { name: 'x1', maxCallSeconds: 0 },
          /'maxCallSeconds' must be at least 1/,
        ],
        ['a lowercase currency', { name: 'x1', currency: 'eur' }, /'currency' is not valid/],
        ['an unknown field', { name: 'x1', colour: 'red' }, /unknown field 'colour'/],
        ['an array body', [{ name: 'x1' }], /the body must be a JSON object/],
      ];
      for (const [what, body, message] of invalid) {
        it(`answers 400 for ${what}`, async () => {
          const r = await h.req('POST', '/accounts', { body });
          assert.equal(r.status, 400, r.text);
          assert.match(r.json.error, message);
        });
      }

      it('answers 400 for a body that is not JSON, 415 for another content type', async () => {
        const bad = await h.req('POST', '/accounts', {
          raw: '{"name":',
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(bad.status, 400);
        assert.equal(bad.json.error, 'the body is not valid JSON');
        const empty = await h.req('POST', '/accounts', {
          raw: '',
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(empty.status, 400);
        assert.equal(empty.json.error, 'a JSON body is required');
        const form = await h.req('POST', '/accounts', {
          raw: 'name=x',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        assert.equal(form.status, 415);
      });

      it('answers 413 for a body over 1 MiB', async () => {
        const r = await h.req('POST', '/accounts', {
          raw: JSON.stringify({ name: 'x'.repeat(1_100_000) }),
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(r.status, 413);
      });
    });

    describe('when an operator looks accounts up', () => {
      it('lists them by name', async () => {
        const r = await h.req('GET', '/accounts');
        assert.equal(r.status, 200);
        assert.deepEqual(
          r.json.accounts.map((a: { name: string }) => a.name),
          ['alice', 'tiny'],
        );
      });

      it('shows one, and 404 for an unknown one', async () => {
        const r = await h.req('GET', '/accounts/alice');
        assert.equal(r.status, 200);
        assert.equal(r.json.balance, '10.50');
        const missing = await h.req('GET', '/accounts/nobody');
        assert.equal(missing.status, 404);
        assert.equal(missing.json.error, "no account 'nobody'");
      });

      it('decodes percent-encoded names', async () => {
        await h.req('POST', '/accounts', { body: { name: 'a+b@x.io' } });
        const r = await h.req('GET', `/accounts/${encodeURIComponent('a+b@x.io')}`);
        assert.equal(r.status, 200);
        assert.equal(r.json.name, 'a+b@x.io');
      });

      it('answers 400 for a name parameter the store could never hold', async () => {
        const r = await h.req('GET', '/accounts/bad%20name');
        assert.equal(r.status, 400);
        assert.match(r.json.error, /'name' is not valid/);
      });
    });

    describe('when an operator tops an account up', () => {
      it('credits it, books a ledger entry and returns both', async () => {
        const r = await h.req('POST', '/accounts/alice/topup', {
          body: { amount: '4.50', reference: 'pay-1', note: 'cash' },
        });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.account.balance, '15.00');
        assert.deepEqual(
          { ...r.json.entry, id: 0, created: '' },
          {
            id: 0,
            account: 'alice',
            kind: 'topup',
            amount: '4.50',
            balanceAfter: '15.00',
            reference: 'pay-1',
            note: 'cash',
            created: '',
          },
        );
      });

      it('refuses the same payment reference twice (409), so a retried request cannot pay twice', async () => {
        const r = await h.req('POST', '/accounts/alice/topup', {
          body: { amount: '4.50', reference: 'pay-1' },
        });
        assert.equal(r.status, 409);
        assert.equal((await h.req('GET', '/accounts/alice')).json.balance, '15.00');
      });

      it('answers 400 for zero, negative, numeric or missing amounts', async () => {
        for (const body of [
          { amount: '0' },
          { amount: '-5' },
          { amount: 5 },
          {},
          { amount: 'ten' },
        ]) {
          const r = await h.req('POST', '/accounts/alice/topup', { body });
          assert.equal(r.status, 400, JSON.stringify(body));
          assert.equal(typeof r.json.error, 'string');
        }
      });

      it('answers 404 for an unknown account', async () => {
        const r = await h.req('POST', '/accounts/nobody/topup', { body: { amount: '1' } });
        assert.equal(r.status, 404);
      });

      it('shows the ledger: opening balance then the top-up', async () => {
        const r = await h.req('GET', '/accounts/alice/ledger');
        assert.equal(r.status, 200);
        assert.deepEqual(
          r.json.entries.map((e: { kind: string; amount: string; balanceAfter: string }) => [
            e.kind,
            e.amount,
            e.balanceAfter,
          ]),
          [
            ['topup', '10.50', '10.50'],
            ['topup', '4.50', '15.00'],
          ],
        );
        assert.equal((await h.req('GET', '/accounts/nobody/ledger')).status, 404);
      });
    });

    describe('when an operator blocks and unblocks an account', () => {
      it('switches its status', async () => {
        const blocked = await h.req('POST', '/accounts/alice/block');
        assert.equal(blocked.status, 200);
        assert.equal(blocked.json.status, 'blocked');
        assert.equal((await h.t.store.accountByName('alice'))?.status, 'blocked');
        const active = await h.req('POST', '/accounts/alice/unblock');
        assert.equal(active.json.status, 'active');
      });

      it('answers 404 for an unknown account and 405 for GET', async () => {
        assert.equal((await h.req('POST', '/accounts/nobody/block')).status, 404);
        const r = await h.req('GET', '/accounts/alice/block');
        assert.equal(r.status, 405);
        assert.equal(r.headers.get('allow'), 'POST');
      });
    });
  });
});

/**
 * /cards and /vouchers over real HTTP on a real database, every answer checked against the
 * published OpenAPI document: an admin makes a card batch (PINs once, as CSV, usable as PINs), a
 * support operator reads batches and redeems codes but cannot make or disable them, a code
 * credits once (409 for another account, credited:false for a retry), and bad input is a 400.
 */
import assert from 'node:assert/strict';
import { readCsv } from '../../daemon/src/csv.js';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { OperatorStore } from '../../daemon/src/store/operators/index.js';
import { forEachDatabase } from '../support/db.js';
import { startHarness, type Harness } from './harness.js';

forEachDatabase((tdb) => {
  describe('API /cards and /vouchers', function () {
    this.timeout(30_000);
    let h: Harness;
    let support: string;
    before(async () => {
      h = await startHarness(tdb);
      const ops = new OperatorStore(h.t.db);
      await ops.add({ name: 'sam', role: 'support', password: 'correct horse battery' });
      support = (await ops.addToken({ name: 'sam', label: 'desk' })).token;
      await h.t.seedRate({ tariff: 'default', prefix: '44', rate: '0.05' });
    });
    after(async () => h.close());

    const rows = (csv: string) => readCsv(csv).map((r) => r.fields);

    it('makes a card batch whose PINs come once as CSV and identify the cards', async () => {
      const r = await h.req('POST', '/cards', {
        body: { count: 5, value: '2.50', tariff: 'default', validDays: 30, prefix: 'api' },
      });
      assert.equal(r.status, 201, r.text);
      const [header, ...cards] = rows(r.json.csv as string);
      assert.deepEqual(header, [
        'account',
        'pin',
        'value',
        'currency',
        'expires',
        'valid_days',
        'batch',
      ]);
      assert.equal(cards.length, 5);
      assert.equal(new Set(cards.map((c) => c[1])).size, 5, 'unique PINs');
      for (const [account, pin] of cards) {
        assert.match(pin!, /^\d{12}$/);
        const found = await h.t.store.accountByPin(pin!);
        assert.equal(found?.name, account);
        assert.equal(found?.balance, parseMoney('2.5'));
      }
      const id = r.json.batch.id as number;
      const shown = await h.req('GET', `/cards/${id}`, { token: support });
      assert.equal(shown.status, 200);
      assert.deepEqual(shown.json.states, { new: 5 });
      assert.equal(shown.json.validDays, 30);
      assert.ok(!shown.text.includes(cards[0]![1]!), 'a PIN is never shown again');
      const listed = await h.req('GET', '/cards', { token: support });
      assert.ok((listed.json.batches as Array<{ id: number }>).some((b) => b.id === id));
    });

    it('lets support read and redeem but not make or disable batches', async () => {
      assert.equal(
        (
          await h.req('POST', '/cards', {
            token: support,
            body: { count: 1, value: '1', tariff: 'default' },
          })
        ).status,
        403,
      );
      assert.equal(
        (await h.req('POST', '/vouchers', { token: support, body: { count: 1, value: '1' } }))
          .status,
        403,
      );
      assert.equal((await h.req('POST', '/cards/1/disable', { token: support })).status, 403);
    });

    it('credits a voucher once: a retry by the same account credits nothing, another account gets 409', async () => {
      const a = await h.t.seedAccount({ balance: '1' });
      const b = await h.t.seedAccount({ balance: '1' });
      const made = await h.req('POST', '/vouchers', { body: { count: 2, value: '5' } });
      assert.equal(made.status, 201, made.text);
      const [, [code]] = rows(made.json.csv as string) as [string[], string[]];
      const first = await h.req('POST', '/vouchers/redeem', {
        token: support,
        body: { account: a.name, code },
      });
      assert.equal(first.status, 200, first.text);
      assert.equal(first.json.credited, true);
      assert.equal(first.json.balance, '6.00');
      const again = await h.req('POST', '/vouchers/redeem', {
        token: support,
        body: { account: a.name, code },
      });
      assert.equal(again.json.credited, false);
      const other = await h.req('POST', '/vouchers/redeem', {
        token: support,
        body: { account: b.name, code },
      });
      assert.equal(other.status, 409);
      const wrong = await h.req('POST', '/vouchers/redeem', {
        token: support,
        body: { account: b.name, code: '12345678901234' },
      });
      assert.equal(wrong.status, 404);
      for (const [acct, want] of [
        [a, '6'],
        [b, '1'],
      ] as const) {
        const now = (await h.t.store.accountDetails(acct.name))!;
        assert.equal(now.balance, parseMoney(want));
        assert.equal(await h.t.store.ledgerSum(acct.id), now.balance, 'balance = ledger sum');
      }
      const shown = await h.req('GET', `/vouchers/${made.json.batch.id as number}`, {
        token: support,
      });
      assert.deepEqual(shown.json.states, { used: 1, unused: 1 });
    });

    it('refuses the codes of a disabled batch and a voucher in another currency', async () => {
      const a = await h.t.seedAccount({ balance: '0' });
      const usd = await h.req('POST', '/vouchers', {
        body: { count: 1, value: '5', currency: 'USD' },
      });
      const [, [usdCode]] = rows(usd.json.csv as string) as [string[], string[]];
      assert.equal(
        (await h.req('POST', '/vouchers/redeem', { body: { account: a.name, code: usdCode } }))
          .status,
        422,
      );
      const eur = await h.req('POST', '/vouchers', { body: { count: 1, value: '5' } });
      const [, [code]] = rows(eur.json.csv as string) as [string[], string[]];
      const off = await h.req('POST', `/vouchers/${eur.json.batch.id as number}/disable`);
      assert.equal(off.status, 200);
      assert.equal(off.json.state, 'disabled');
      assert.equal(
        (await h.req('POST', '/vouchers/redeem', { body: { account: a.name, code } })).status,
        410,
      );
      assert.equal((await h.t.store.accountDetails(a.name))!.balance, 0n);
    });

    it('blocks the cards of a disabled card batch', async () => {
      const r = await h.req('POST', '/cards', {
        body: { count: 2, value: '1', tariff: 'default' },
      });
      const off = await h.req('POST', `/cards/${r.json.batch.id as number}/disable`);
      assert.equal(off.status, 200);
      const [, [account]] = rows(r.json.csv as string) as [string[], string[]];
      assert.equal((await h.t.store.accountDetails(account!))!.status, 'blocked');
    });

    it('answers 400 for bad input, naming the field', async () => {
      const cases: Array<[string, unknown]> = [
        ['/cards', { count: 0, value: '1', tariff: 'default' }],
        ['/cards', { count: 1, value: '1.5', tariff: 'nosuch' }],
        ['/cards', { count: 1, value: '0', tariff: 'default' }],
        ['/cards', { count: 1, value: '1', tariff: 'default', pinLength: 6 }],
        ['/vouchers', { count: 1, value: 'ten' }],
        ['/vouchers', { count: 1, value: '1', expires: '2001-01-01T00:00:00Z' }],
        ['/vouchers/redeem', { account: 'x', code: 'abc' }],
      ];
      for (const [path, body] of cases) {
        const r = await h.req('POST', path, { body });
        assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}: ${r.text}`);
        assert.ok(typeof r.json.error === 'string' && r.json.error.length > 0);
      }
    });
  });
});

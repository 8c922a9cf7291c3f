/**
 * POST /payments over real HTTP on a real database: signed over the raw body and a timestamp,
 * idempotent by reference (5 replays, also at once, credit once), a bad signature, a stale
 * timestamp or a wrong currency credit nothing. Balance = ledger sum after each.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { parseMoney } from '../../daemon/src/rating/index.js';
import type { AccountDetails } from '../../daemon/src/store/index.js';
import { forEachDatabase } from '../support/db.js';
import { startHarness, type Harness } from './harness.js';

const SECRET = 'payment-test-secret-0123456789';

function signed(body: string, opts: { secret?: string; ts?: number } = {}) {
  const ts = String(opts.ts ?? Math.floor(Date.now() / 1000));
  const sig = createHmac('sha256', opts.secret ?? SECRET)
    .update(`${ts}.${body}`)
    .digest('hex');
  return {
    raw: body,
    token: null,
    headers: {
      'content-type': 'application/json',
      'x-astbill-timestamp': ts,
      'x-astbill-signature': `sha256=${sig}`,
    },
  };
}

describe('API POST /payments', () => {
  forEachDatabase((tdb) => {
    let h: Harness;
    before(async () => {
      h = await startHarness(tdb, { payments: { secret: SECRET, windowSeconds: 300 } });
      await h.t.seedRate({ tariff: 'default', prefix: '44', rate: '0.05' });
    });
    after(async () => h.close());

    async function balanceIs(a: AccountDetails, amount: string) {
      const now = (await h.t.store.accountDetails(a.name))!;
      assert.equal(now.balance, parseMoney(amount));
      assert.equal(await h.t.store.ledgerSum(a.id), now.balance, 'balance = ledger sum');
    }

    it('credits a signed payment once, however often (and however simultaneously) it is replayed', async () => {
      const a = await h.t.seedAccount({ balance: '1' });
      const body = JSON.stringify({
        reference: `pay-${a.name}`,
        account: a.name,
        amount: '12.5',
        currency: 'EUR',
      });
      const first = await h.req('POST', '/payments', signed(body));
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(first.json, {
        credited: true,
        reference: `pay-${a.name}`,
        account: a.name,
        amount: '12.50',
        balance: '13.50',
      });
      const replays = await Promise.all(
        Array.from({ length: 5 }, () => h.req('POST', '/payments', signed(body))),
      );
      for (const r of replays) {
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.credited, false);
        assert.equal(r.json.balance, '13.50', 'what the first booking left');
      }
      await balanceIs(a, '13.50');
      const topups = (await h.t.store.ledger(a.id)).filter(
        (l) => l.reference === `payment:pay-${a.name}`,
      );
      assert.equal(topups.length, 1);
    });

    it('credits nothing for a bad signature, a stale timestamp, no signature, a wrong currency or another amount under a booked reference', async () => {
      const a = await h.t.seedAccount({ balance: '1' });
      const body = JSON.stringify({
        reference: `bad-${a.name}`,
        account: a.name,
        amount: '5',
        currency: 'EUR',
      });
      const wrongKey = await h.req(
        'POST',
        '/payments',
        signed(body, { secret: 'another-secret-0123456789' }),
      );
      assert.equal(wrongKey.status, 401);
      const tampered = signed(body);
      tampered.raw = body.replace('"5"', '"500"');
      assert.equal((await h.req('POST', '/payments', tampered)).status, 401);
      const stale = await h.req(
        'POST',
        '/payments',
        signed(body, { ts: Math.floor(Date.now() / 1000) - 301 }),
      );
      assert.equal(stale.status, 401);
      const unsigned = await h.req('POST', '/payments', {
        raw: body,
        token: null,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(unsigned.status, 401);
      const usd = JSON.stringify({
        reference: `usd-${a.name}`,
        account: a.name,
        amount: '5',
        currency: 'USD',
      });
      assert.equal((await h.req('POST', '/payments', signed(usd))).status, 422);
      await balanceIs(a, '1');
      assert.equal((await h.req('POST', '/payments', signed(body))).status, 200);
      const other = JSON.stringify({
        reference: `bad-${a.name}`,
        account: a.name,
        amount: '6',
        currency: 'EUR',
      });
      assert.equal((await h.req('POST', '/payments', signed(other))).status, 409);
      await balanceIs(a, '6');
    });
  });
});

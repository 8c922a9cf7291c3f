/**
 * Notification events through the real daemon: a cap hit, a low balance and a large top-up are
 * written to the outbox in the transaction that caused them and delivered to a real webhook
 * receiver on loopback, signed (HMAC-SHA256 over timestamp + body) with a stable idempotency
 * key; a receiver answering 500 gets the event again after the backoff; an event that fails
 * every attempt is 'dead' until it is re-sent.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import { driveUntil, quiet, settledCdr, startE2e, talking, waitFor, type E2e } from './harness.js';

const SECRET = 'test-webhook-secret-0123456789';

interface Received {
  key: string;
  timestamp: string;
  signature: string;
  body: string;
  json: Record<string, unknown>;
}

class Receiver {
  readonly got: Received[] = [];
  /** Status answered to the next requests, then 200. */
  failures: number[] = [];
  private server!: Server;
  url = '';
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        this.got.push({
          key: String(req.headers['idempotency-key']),
          timestamp: String(req.headers['x-astbill-timestamp']),
          signature: String(req.headers['x-astbill-signature']),
          body,
          json: JSON.parse(body) as Record<string, unknown>,
        });
        res.statusCode = this.failures.shift() ?? 200;
        res.end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }
  of(kind: string): Received[] {
    return this.got.filter((g) => g.json.kind === kind);
  }
  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

function signedCorrectly(r: Received): boolean {
  const want = createHmac('sha256', SECRET).update(`${r.timestamp}.${r.body}`).digest('hex');
  return r.signature === `sha256=${want}`;
}

describe('notification events (outbox → signed webhooks)', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    const hook = new Receiver();
    before(async () => {
      await hook.start();
      e = await startE2e(tdb, {
        rules: [{ prefix: '', action: 'answer' }],
        env: {
          ASTBILL_WEBHOOK_URL: hook.url,
          ASTBILL_WEBHOOK_SECRET: SECRET,
          ASTBILL_WEBHOOK_ATTEMPTS: '2',
          ASTBILL_WEBHOOK_RETRY_SECONDS: '1',
        },
      });
      await e.t.seedRate({ prefix: '44', rate: '0.60', connect: '0', initial: 60, increment: 60 });
    });
    after(async () => {
      await e?.close();
      await hook.close();
    });

    it('delivers a cap hit, retried after the receiver answers 500, with the same idempotency key and a valid signature', async () => {
      const a = await e.t.seedAccount({ balance: '5' });
      await e.t.store.setCaps(a.name, { dayMax: parseMoney('0.50') }); // less than a minute costs
      hook.failures = [500];
      const call = e.sim.placeCall({ exten: '4411', accountcode: a.name });
      await driveUntil(e, 'the hangup', () => e.sim.ended(call.channelId) !== undefined);
      assert.equal((await settledCdr(e, call.channelId)).reason, 'CAP_DAY');
      await waitFor('the retried delivery', () => hook.of('cap_hit').length === 2, 10_000);
      const [first, second] = hook.of('cap_hit');
      assert.equal(first!.key, second!.key, 'one idempotency key for both tries');
      assert.ok(signedCorrectly(first!) && signedCorrectly(second!));
      assert.deepEqual(
        [second!.json.account, second!.json.cap, second!.json.uniqueid],
        [a.name, 'CAP_DAY', call.channelId],
      );
      await waitFor('the event marked sent', async () => {
        const [ev] = await e.t.store.listEvents({ account: a.name });
        return ev?.state === 'sent' && ev.attempts === 2;
      });
      await quiet(e);
    });

    it('writes low balance and credit exhausted with the settlements, and a large top-up with the top-up', async () => {
      const a = await e.t.seedAccount({ balance: '1.20' });
      await e.t.store.setCaps(a.name, {
        lowBalance: parseMoney('1'),
        largeTopup: parseMoney('50'),
      });
      const call = e.sim.placeCall({ exten: '4412', accountcode: a.name });
      await waitFor('talking', () => talking(e, call.channelId));
      e.advance(60_000);
      e.sim.hangupCaller(call.channelId);
      assert.equal((await settledCdr(e, call.channelId)).cost, parseMoney('0.60'));
      const kinds = async () =>
        (await e.t.store.listEvents({ account: a.name, channel: 'webhook' })).map((x) => x.kind);
      assert.deepEqual(await kinds(), ['low_balance'], 'in the settlement transaction');
      const last = e.sim.placeCall({ exten: '4413', accountcode: a.name });
      await waitFor('talking', () => talking(e, last.channelId));
      e.advance(60_000); // cut by TIMEOUT(absolute): the 0.60 left is 60 s
      assert.equal((await settledCdr(e, last.channelId)).cost, parseMoney('0.60'));
      assert.deepEqual(await kinds(), ['credit_exhausted', 'low_balance']);
      await e.t.store.topup(a.name, parseMoney('10'));
      assert.equal((await kinds()).length, 2, 'a small top-up: no event');
      await e.t.store.topup(a.name, parseMoney('60'), { reference: 'big-1' });
      assert.deepEqual(await kinds(), ['large_topup', 'credit_exhausted', 'low_balance']);
      await waitFor(
        'both delivered',
        () =>
          hook.of('large_topup').length === 1 &&
          hook.of('low_balance').some((h) => h.json.account === a.name),
        10_000,
      );
      assert.equal(hook.of('large_topup')[0]!.json.amount, '60.00');
      const after = (await e.t.store.accountDetails(a.name))!;
      assert.equal(await e.t.store.ledgerSum(a.id), after.balance);
      assert.equal(after.reserved, 0n);
      await quiet(e);
    });

    it('gives up after the last attempt (dead) and delivers again when re-sent', async () => {
      const a = await e.t.seedAccount({ balance: '5' });
      await e.t.store.setCaps(a.name, { largeTopup: parseMoney('1') });
      hook.failures = [500, 503];
      await e.t.store.topup(a.name, parseMoney('2'));
      const dead = async () =>
        (await e.t.store.listEvents({ account: a.name, channel: 'webhook' }))[0];
      await waitFor('the event dead', async () => (await dead())?.state === 'dead', 10_000);
      const ev = (await dead())!;
      assert.deepEqual([ev.attempts, ev.lastError], [2, 'HTTP 503']);
      assert.equal(await e.t.store.resendEvent(ev.id), true);
      await waitFor('re-sent', async () => (await dead())?.state === 'sent', 10_000);
      assert.equal(hook.got.filter((g) => g.key === ev.key).length, 3);
    });
  });
});

/**
 * The webhook channel of the outbox (delivered by the one loop, ./outbox-worker.ts): each event
 * is POSTed with
 *   X-Astbill-Timestamp  unix seconds
 *   X-Astbill-Signature  sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *   Idempotency-Key      the event's key (the same on every retry: the receiver drops repeats)
 *   X-Astbill-Event      the kind
 * and is delivered on a 2xx; anything else is a failed attempt (retried with backoff).
 * The secret is never logged.
 */
import { createHmac } from 'node:crypto';
import type { OutboxEvent } from '../store/outbox.js';
import type { WebhookConfig } from './config.js';
import type { Transport } from './outbox-worker.js';

export { retryDelayMs } from './outbox-worker.js';

const TIMEOUT_MS = 10_000;

export function signature(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function webhookTransport(config: WebhookConfig): Transport {
  return {
    channel: 'webhook',
    maxAttempts: config.maxAttempts,
    retrySeconds: config.retrySeconds,
    timeoutMs: TIMEOUT_MS,
    async send(e: OutboxEvent, now: Date) {
      const body = JSON.stringify({ id: e.key, ...e.payload });
      const timestamp = String(Math.floor(now.getTime() / 1000));
      const res = await fetch(config.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-astbill-timestamp': timestamp,
          'x-astbill-signature': signature(config.secret, timestamp, body),
          'idempotency-key': e.key,
          'x-astbill-event': e.kind,
        },
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    },
  };
}

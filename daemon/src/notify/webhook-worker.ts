/**
 * Delivers the outbox (store/outbox.ts) as signed webhooks: each due event is claimed (so one
 * daemon of several sends it), POSTed with
 *   X-Astbill-Timestamp  unix seconds
 *   X-Astbill-Signature  sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *   Idempotency-Key      the event's key (the same on every retry: the receiver drops repeats)
 *   X-Astbill-Event      the kind
 * and marked sent on a 2xx; anything else is retried after retrySeconds × 2^(attempt−1) (at most
 * an hour) until maxAttempts, then the event is 'dead' (`astbill events resend ID` revives it).
 * The secret is never logged.
 */
import { createHmac } from 'node:crypto';
import type { Logger } from '../log.js';
import type { KnexBillingStore } from '../store/knex-store.js';
import type { OutboxEvent } from '../store/outbox.js';
import type { WebhookConfig } from './config.js';

export type OutboxStore = Pick<KnexBillingStore, 'dueEvents' | 'claimEvent' | 'recordDelivery'>;

const POLL_MS = 500;
const TIMEOUT_MS = 10_000;

export function signature(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function retryDelayMs(cfg: Pick<WebhookConfig, 'retrySeconds'>, attempts: number): number {
  return Math.min(cfg.retrySeconds * 1000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

export class WebhookWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly o: {
      store: OutboxStore;
      config: WebhookConfig;
      logger: Logger;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  start(): void {
    const tick = () => {
      if (this.closed) return;
      this.running = this.runOnce()
        .catch((err: unknown) => {
          this.o.logger.warn('event delivery failed', { error: String(err) });
        })
        .finally(() => {
          this.running = null;
          if (!this.closed) this.timer = setTimeout(tick, POLL_MS);
        });
    };
    tick();
  }

  /** Sends every event due now; resolves when all were tried. */
  async runOnce(): Promise<void> {
    for (const e of await this.o.store.dueEvents(this.now())) {
      if (this.closed) return;
      if (!(await this.o.store.claimEvent(e, new Date(this.now().getTime() + 2 * TIMEOUT_MS))))
        continue;
      await this.deliver(e);
    }
  }

  private async deliver(e: OutboxEvent): Promise<void> {
    const { config, logger, store } = this.o;
    const body = JSON.stringify({ id: e.key, ...e.payload });
    const timestamp = String(Math.floor(this.now().getTime() / 1000));
    let error: string;
    try {
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
      if (res.ok) {
        await store.recordDelivery(e.id, { ok: true, at: this.now() });
        logger.info('event delivered', { id: e.id, kind: e.kind });
        return;
      }
      error = `HTTP ${res.status}`;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const attempts = e.attempts + 1;
    const nextAt =
      attempts >= config.maxAttempts
        ? null
        : new Date(this.now().getTime() + retryDelayMs(config, attempts));
    await store.recordDelivery(e.id, { ok: false, attempts, nextAt, error });
    logger.warn(nextAt ? 'event delivery failed, will retry' : 'event delivery failed: dead', {
      id: e.id,
      kind: e.kind,
      attempts,
      error,
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

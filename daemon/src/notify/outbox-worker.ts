/**
 * The ONE delivery loop of the outbox (store/outbox.ts), for every channel: each due row of the
 * worker's channel is claimed (so one daemon of several sends it), handed to the channel's
 * transport, and marked sent when the transport resolves; when it throws, the row is retried after
 * retrySeconds × 2^(attempt−1) (at most an hour) until maxAttempts, then it is 'dead'
 * (`astbill events resend ID` revives it). A claim outlives a send by the transport's timeout,
 * so a daemon dying mid-send leaves the row due again, never lost.
 */
import type { Logger } from '../log.js';
import type { KnexBillingStore } from '../store/knex-store.js';
import type { Channel, OutboxEvent } from '../store/outbox.js';
import { errorText } from '../error-text.js';

export type OutboxStore = Pick<KnexBillingStore, 'dueEvents' | 'claimEvent' | 'recordDelivery'>;

/** One way out (webhook-worker.ts, mail-transport.ts): resolves when the receiver took the event. */
export interface Transport {
  channel: Channel;
  maxAttempts: number;
  retrySeconds: number;
  /** Upper bound of one send (the claim lasts twice this). */
  timeoutMs: number;
  send(e: OutboxEvent, now: Date): Promise<void>;
}

const POLL_MS = 500;

export function retryDelayMs(cfg: { retrySeconds: number }, attempts: number): number {
  return Math.min(cfg.retrySeconds * 1000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

export class OutboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly o: {
      store: OutboxStore;
      transport: Transport;
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

  /** Sends every event of the channel due now; resolves when all were tried. */
  async runOnce(): Promise<void> {
    const { store, transport } = this.o;
    for (const e of await store.dueEvents(this.now(), 50, transport.channel)) {
      if (this.closed) return;
      const until = new Date(this.now().getTime() + 2 * transport.timeoutMs);
      if (!(await store.claimEvent(e, until))) continue;
      await this.deliver(e);
    }
  }

  private async deliver(e: OutboxEvent): Promise<void> {
    const { transport, logger, store } = this.o;
    const what = { id: e.id, kind: e.kind, channel: transport.channel };
    try {
      await transport.send(e, this.now());
      await store.recordDelivery(e.id, { ok: true, at: this.now() });
      logger.info('event delivered', what);
      return;
    } catch (err) {
      const error = errorText(err);
      const attempts = e.attempts + 1;
      const nextAt =
        attempts >= transport.maxAttempts
          ? null
          : new Date(this.now().getTime() + retryDelayMs(transport, attempts));
      await store.recordDelivery(e.id, { ok: false, attempts, nextAt, error });
      logger.warn(nextAt ? 'event delivery failed, will retry' : 'event delivery failed: dead', {
        ...what,
        attempts,
        error,
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

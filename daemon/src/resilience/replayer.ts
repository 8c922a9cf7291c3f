/**
 * The background loop that retries the journal every `intervalMs` (start()/close(), an
 * injectable timer for tests). Passes never overlap; `runOnce()` shares a pass in progress.
 * Logs what each pass replayed, and once per outage why it could not.
 */
import type { Logger } from '../log.js';
import type { ReplayReport } from './replay.js';
import { errorText } from '../error-text.js';

export interface ReplayTimer {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const realTimer: ReplayTimer = {
  setInterval: (fn, ms) => {
    const h = setInterval(fn, ms);
    h.unref();
    return h;
  },
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export interface ReplayerOptions {
  /** One replay pass (e.g. ResilientStore.replay). */
  replay: () => Promise<ReplayReport>;
  /** Journal records waiting (a pass is skipped when there are none). */
  pending: () => number;
  intervalMs: number;
  timer?: ReplayTimer;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export class JournalReplayer {
  private handle: unknown = null;
  private running: Promise<ReplayReport | null> | null = null;
  private lastStop: string | null = null;

  constructor(private readonly opts: ReplayerOptions) {}

  start(): void {
    if (this.handle !== null) return;
    const timer = this.opts.timer ?? realTimer;
    this.handle = timer.setInterval(() => void this.runOnce(), this.opts.intervalMs);
    void this.runOnce();
  }

  async close(): Promise<void> {
    if (this.handle !== null) (this.opts.timer ?? realTimer).clearInterval(this.handle);
    this.handle = null;
    await this.running;
  }

  /** Replays now (or joins the pass in progress); null when there was nothing to do. Never rejects. */
  runOnce(): Promise<ReplayReport | null> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<ReplayReport | null> {
    const log = this.opts.logger;
    if (this.opts.pending() === 0) return null;
    try {
      const rep = await this.opts.replay();
      for (const item of rep.replayed) log?.info('journal: replayed', { ...item });
      if (rep.replayed.length > 0)
        log?.info('journal: replay pass', {
          replayed: rep.replayed.length,
          failed: rep.failed.length,
          remaining: rep.remaining,
        });
      if (rep.stoppedBy && rep.stoppedBy !== this.lastStop)
        log?.warn('journal: database still failing; will retry', {
          error: rep.stoppedBy,
          remaining: rep.remaining,
        });
      this.lastStop = rep.stoppedBy;
      return rep;
    } catch (err) {
      log?.error('journal: replay failed', {
        error: errorText(err),
      });
      return null;
    }
  }
}

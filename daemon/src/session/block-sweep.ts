/**
 * The block sweep: every `intervalSeconds` this daemon asks the database which of ITS live
 * reservations belong to a blocked account, and ends each such call through the one kill path
 * (reason 'blocked'), which hangs up the legs and settles the talk time Asterisk reports, like
 * any hang-up. A block made anywhere (the anomaly stop inside another daemon's transaction, an
 * operator's `account block`, the API) thus ends the account's calls on every daemon within
 * one interval (plus the hang-up), bounded and without any daemon-to-daemon channel.
 *
 * One indexed read per tick, and none while this daemon has no live call. A tick that cannot
 * read the database ends nothing (it is tried again at the next one).
 */
import type { Logger } from '../log.js';
import type { DaemonClock, TimerHandle } from './clock.js';
import { killCall } from './kill-call.js';
import type { RegisteredSession, SessionRegistry } from './registry.js';
import { errorText } from '../error-text.js';

/** The store port of the sweep (KnexBillingStore implements it: store/reservations.ts). */
export interface BlockedCallsStore {
  /** Uniqueids of `node`'s live reservations whose account is blocked. */
  blockedReservations(node: string): Promise<string[]>;
}

export interface BlockSweepOptions {
  store: BlockedCallsStore;
  registry: SessionRegistry;
  clock: DaemonClock;
  logger: Logger;
  node: string;
  /** Seconds between ticks; 0 disables the timer (runOnce still works). */
  intervalSeconds: number;
}

export class BlockSweep {
  private timer: TimerHandle | null = null;
  private running: Promise<number> | null = null;
  private closed = false;

  constructor(private readonly o: BlockSweepOptions) {}

  start(): void {
    if (this.timer || this.closed || this.o.intervalSeconds <= 0) return;
    this.timer = this.o.clock.setTimer(this.o.intervalSeconds * 1000, () => {
      this.timer = null;
      if (this.closed) return;
      void this.runOnce()
        .catch((err: unknown) =>
          this.o.logger.warn('block sweep failed', { error: errorText(err) }),
        )
        .finally(() => this.start());
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One tick: how many calls it began to end. Concurrent calls share one run. */
  runOnce(): Promise<number> {
    this.running ??= this.sweep().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async sweep(): Promise<number> {
    const { store, registry, logger, node } = this.o;
    if (registry.size === 0) return 0;
    const ids = await store.blockedReservations(node);
    const sessions = new Set<RegisteredSession>();
    for (const id of ids) {
      const s = registry.byUniqueid(id);
      if (s) sessions.add(s);
    }
    // The kills run side by side: one slow hang-up must not hold up the others.
    await Promise.allSettled(
      [...sessions].map((s) => killCall(s, 'blocked', logger, { why: 'account blocked' })),
    );
    return sessions.size;
  }
}

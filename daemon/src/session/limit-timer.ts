/**
 * The daemon's own copy of a call's limit (Asterisk enforces it too, with TIMEOUT(absolute)).
 * It fires `limitWarning` `warnBeforeSeconds` before the limit (when that is > 0 and fits) and
 * `limitReached` at the limit plus a small grace, so that Asterisk normally cuts the call first and
 * the daemon only steps in when it did not. One lives as long as its call: it keeps only what
 * it fires with (not its options, nor a warning that will not be played).
 */
import type { DaemonClock } from './clock.js';
import { deadlinesOf, type Deadline, type Deadlines } from './deadlines.js';

export interface LimitTimerOptions {
  clock: DaemonClock;
  /** Seconds from start() to the limit; `limitMs` (when given) says it to the millisecond. */
  limitSeconds: number;
  limitMs?: number;
  graceSeconds: number;
  warnBeforeSeconds: number;
  /** What the timers fire (a call's context: methods, not per-call closures). */
  fires: LimitFires;
}

export interface LimitFires {
  limitWarning?(): void;
  limitReached(): void;
}

export class LimitTimer implements Deadline {
  /** Kept by the daemon's Deadlines queue (one clock timer for every call's limit). */
  due = 0;
  slot = -1;
  private clock: DaemonClock | null;
  private queue: Deadlines | null = null;
  /** Milliseconds from start() to the warning (null: none, or played) and to the limit. */
  private warnInMs: number | null;
  private readonly limitInMs: number;
  /** When the limit is due (the clock's monotonic milliseconds), once started. */
  private limitAt = 0;
  private fires: LimitFires | null;

  constructor(o: LimitTimerOptions) {
    const limitMs = o.limitMs ?? o.limitSeconds * 1000;
    const warnMs = o.warnBeforeSeconds * 1000;
    const warns = o.fires.limitWarning !== undefined && warnMs > 0 && warnMs < limitMs;
    this.clock = o.clock;
    this.warnInMs = warns ? limitMs - warnMs : null;
    this.limitInMs = limitMs + o.graceSeconds * 1000;
    this.fires = o.fires;
  }

  /** Arms the timers (once; never after close()). */
  start(): void {
    const clock = this.clock;
    if (!clock) return;
    this.clock = null;
    const queue = (this.queue = deadlinesOf(clock));
    this.limitAt = clock.monotonicMs() + this.limitInMs;
    queue.add(this, this.warnInMs ?? this.limitInMs);
  }

  close(): void {
    this.clock = null;
    this.fires = null;
    this.queue?.remove(this);
    this.queue = null;
  }

  /** Due (Deadlines): the warning, then the limit. */
  expire(): void {
    const fires = this.fires;
    if (this.warnInMs !== null) {
      this.warnInMs = null;
      this.queue?.addAt(this, this.limitAt);
      fires?.limitWarning?.();
    } else {
      this.queue = null;
      fires?.limitReached();
    }
  }
}

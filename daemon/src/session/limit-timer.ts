/**
 * The daemon's own copy of a call's limit (Asterisk enforces it too, with TIMEOUT(absolute)).
 * It fires `onWarn` `warnBeforeSeconds` before the limit (when that is > 0 and fits) and
 * `onLimit` at the limit plus a small grace, so that Asterisk normally cuts the call first and
 * the daemon only steps in when it did not.
 */
import type { DaemonClock, TimerHandle } from './clock.js';

export interface LimitTimerOptions {
  clock: DaemonClock;
  /** Seconds from start() to the limit; `limitMs` (when given) says it to the millisecond. */
  limitSeconds: number;
  limitMs?: number;
  graceSeconds: number;
  warnBeforeSeconds: number;
  onWarn?: () => void;
  onLimit: () => void;
}

export class LimitTimer {
  private handles: TimerHandle[] = [];
  private started = false;
  private closed = false;

  constructor(private readonly opts: LimitTimerOptions) {}

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    const { clock, graceSeconds, warnBeforeSeconds, onWarn, onLimit } = this.opts;
    const limitMs = this.opts.limitMs ?? this.opts.limitSeconds * 1000;
    const warnMs = warnBeforeSeconds * 1000;
    if (onWarn && warnMs > 0 && warnMs < limitMs) {
      this.handles.push(clock.setTimer(limitMs - warnMs, () => this.fire(onWarn)));
    }
    this.handles.push(clock.setTimer(limitMs + graceSeconds * 1000, () => this.fire(onLimit)));
  }

  close(): void {
    this.closed = true;
    for (const h of this.handles) h.cancel();
    this.handles = [];
  }

  private fire(fn: () => void): void {
    if (this.closed) return;
    fn();
  }
}

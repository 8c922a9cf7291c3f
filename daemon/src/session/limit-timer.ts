/**
 * The daemon's own copy of a call's limit (Asterisk enforces it too, with TIMEOUT(absolute)).
 * It fires `onWarn` `warnBeforeSeconds` before the limit (when that is > 0 and fits) and
 * `onLimit` at the limit plus a small grace, so that Asterisk normally cuts the call first and
 * the daemon only steps in when it did not.
 */
import type { DaemonClock, TimerHandle } from './clock.js';

export interface LimitTimerOptions {
  clock: DaemonClock;
  limitSeconds: number;
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
    const { clock, limitSeconds, graceSeconds, warnBeforeSeconds, onWarn, onLimit } = this.opts;
    if (onWarn && warnBeforeSeconds > 0 && warnBeforeSeconds < limitSeconds) {
      this.handles.push(
        clock.setTimer((limitSeconds - warnBeforeSeconds) * 1000, () => this.fire(onWarn)),
      );
    }
    this.handles.push(
      clock.setTimer((limitSeconds + graceSeconds) * 1000, () => this.fire(onLimit)),
    );
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

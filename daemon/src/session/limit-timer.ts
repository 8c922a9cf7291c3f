/**
 * The daemon's own copy of a call's limit (Asterisk enforces it too, with TIMEOUT(absolute)).
 * It fires `onWarn` `warnBeforeSeconds` before the limit (when that is > 0 and fits) and
 * `onLimit` at the limit plus a small grace, so that Asterisk normally cuts the call first and
 * the daemon only steps in when it did not. One lives as long as its call: it keeps only what
 * it fires with (not its options, nor a warning that will not be played).
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
  private clock: DaemonClock | null;
  /** Milliseconds from start() to the warning (null: none) and to onLimit. */
  private readonly warnInMs: number | null;
  private readonly limitInMs: number;
  private onWarn: (() => void) | null;
  private onLimit: (() => void) | null;
  private warnTimer: TimerHandle | null = null;
  private limitTimer: TimerHandle | null = null;

  constructor(o: LimitTimerOptions) {
    const limitMs = o.limitMs ?? o.limitSeconds * 1000;
    const warnMs = o.warnBeforeSeconds * 1000;
    const warns = o.onWarn !== undefined && warnMs > 0 && warnMs < limitMs;
    this.clock = o.clock;
    this.warnInMs = warns ? limitMs - warnMs : null;
    this.limitInMs = limitMs + o.graceSeconds * 1000;
    this.onWarn = warns ? o.onWarn! : null;
    this.onLimit = o.onLimit;
  }

  /** Arms the timers (once; never after close()). */
  start(): void {
    const clock = this.clock;
    if (!clock) return;
    this.clock = null;
    if (this.warnInMs !== null)
      this.warnTimer = clock.setTimer(this.warnInMs, () => this.fire('warn'));
    this.limitTimer = clock.setTimer(this.limitInMs, () => this.fire('limit'));
  }

  close(): void {
    this.clock = null;
    this.onWarn = null;
    this.onLimit = null;
    this.warnTimer?.cancel();
    this.limitTimer?.cancel();
    this.warnTimer = this.limitTimer = null;
  }

  private fire(which: 'warn' | 'limit'): void {
    const fn = which === 'warn' ? this.onWarn : this.onLimit;
    if (which === 'warn') this.warnTimer = null;
    else this.limitTimer = null;
    fn?.();
  }
}

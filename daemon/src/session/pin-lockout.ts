/**
 * PIN guessing protection across calls: after `failures` wrong PIN entries from one caller ID
 * within `minutes`, that caller ID is refused (LOCKED) for `minutes` from the failure that
 * locked it; then it starts again from zero. The
 * per-call limit (ASTBILL_PIN_TRIES) still applies inside each call.
 *
 * Kept in memory, per daemon: a restart forgets it, and with several daemons each counts on its
 * own (so the effective limit is `failures` × daemons). That is the trade chosen for now: no
 * schema change on the operators' databases and no database write on the PIN path, which must
 * keep working under the database-failure policy. `PinGuard` is the port, so a table-backed
 * implementation (an `astpinfail` table shared by all daemons) can replace this one.
 *
 * Callers without a caller ID share one bucket ('anonymous'): withholding the number must not
 * be a way around the lockout.
 */
import type { DaemonClock } from './clock.js';

export interface PinGuard {
  /** True while `callerId` is locked out. */
  locked(callerId: string): boolean;
  /** Counts one wrong PIN from `callerId`; true when that locked it. */
  failed(callerId: string): boolean;
}

export const noPinGuard: PinGuard = {
  locked: () => false,
  failed: () => false,
};

export interface PinLockoutOptions {
  /** Wrong PINs within the window that lock a caller ID; 0 disables the lockout. */
  failures: number;
  /** Length of the counting window and of the lockout (minutes). */
  minutes: number;
  clock: Pick<DaemonClock, 'now'>;
}

export class PinLockout implements PinGuard {
  /** Failure times (ms) per caller ID, only those inside the window. */
  private readonly fails = new Map<string, number[]>();
  /** Locked caller IDs and when their lockout ends (ms). */
  private readonly until = new Map<string, number>();
  private readonly windowMs: number;

  constructor(private readonly opts: PinLockoutOptions) {
    this.windowMs = opts.minutes * 60_000;
  }

  locked(callerId: string): boolean {
    if (this.opts.failures <= 0) return false;
    const k = key(callerId);
    const end = this.until.get(k);
    if (end === undefined) return false;
    if (end > this.now()) return true;
    this.until.delete(k);
    return false;
  }

  failed(callerId: string): boolean {
    if (this.opts.failures <= 0) return false;
    const k = key(callerId);
    const now = this.now();
    const times = (this.fails.get(k) ?? []).filter((t) => t > now - this.windowMs);
    times.push(now);
    this.prune(now);
    if (times.length >= this.opts.failures) {
      this.fails.delete(k);
      this.until.set(k, now + this.windowMs);
      return true;
    }
    this.fails.set(k, times);
    return false;
  }

  /** Caller IDs currently tracked (for tests and leak checks). */
  get size(): number {
    return this.fails.size + this.until.size;
  }

  private now(): number {
    return this.opts.clock.now().getTime();
  }

  /** Bounded memory: drops what has left the window (amortised, when the maps grow). */
  private prune(now: number): void {
    if (this.fails.size + this.until.size < 1024) return;
    for (const [k, times] of this.fails)
      if (times.every((t) => t <= now - this.windowMs)) this.fails.delete(k);
    for (const [k, end] of this.until) if (end <= now) this.until.delete(k);
  }
}

function key(callerId: string): string {
  const n = callerId.trim();
  return n === '' ? 'anonymous' : n;
}

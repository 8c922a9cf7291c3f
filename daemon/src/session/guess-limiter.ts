/**
 * The guessing limits behind GuessGuard (guess-guard.ts), counted over a sliding window of
 * `windowMinutes`:
 *
 *   1. all callers, every daemon on the database: from `slowFailures` wrong guesses on, each
 *      guess waits `slowSeconds`; from `refuseFailures` on, card access is refused until the
 *      count falls below again. Rotating or withholding the caller ID does not help an attacker.
 *   2. one caller ID: `callerFailures` wrong guesses within the window lock it out for the window
 *      from the failure that locked it. Callers without a caller ID are not lumped into one
 *      bucket (one anonymous guesser would lock out every anonymous caller): only 1. holds them.
 *
 * Failures are written to the database (GuessLog, store/pin-failures.ts) so the limits survive a
 * restart and hold across daemons. They are also counted in memory: when the database does not
 * answer within `dbDeadlineMs`, this node's own count still applies (the limits never open up
 * because the database is away).
 */
import type { Logger } from '../log.js';
import type { DaemonClock } from './clock.js';
import type { GuessGuard, GuessKind, GuessVerdict } from './guess-guard.js';
import { errorText } from '../error-text.js';

export interface GuessFailure {
  kind: GuessKind;
  /** The caller ID, '' when there was none. */
  caller: string;
  node: string;
  at: Date;
}

/** Where failures are kept for every daemon (the astpinfail table). */
export interface GuessLog {
  record(failure: GuessFailure): Promise<void>;
  /** Failures of everyone after `since`; the times of `caller`'s after `callerSince` (none for ''). */
  recent(q: {
    since: Date;
    caller: string;
    callerSince: Date;
  }): Promise<{ total: number; callerTimes: Date[] }>;
  /** Deletes failures older than `before`. */
  prune(before: Date): Promise<void>;
}

export interface GuessLimiterOptions {
  windowMinutes: number;
  /** Per caller ID; 0: no per-caller lockout. */
  callerFailures: number;
  /** All callers; 0: never slow. */
  slowFailures: number;
  slowSeconds: number;
  /** All callers; 0: never refuse. */
  refuseFailures: number;
  node: string;
  clock: Pick<DaemonClock, 'now'>;
  /** The shared log, or null (no database: this node's memory only). Asked each time. */
  log: () => GuessLog | null;
  logger?: Logger | undefined;
  dbDeadlineMs?: number;
}

/** Memory bound of the in-memory count (per node); the database keeps the full count. */
const LOCAL_CAP = 100_000;
/** Old rows are deleted every this many failures recorded by this node. */
const PRUNE_EVERY = 50;

export class GuessLimiter implements GuessGuard {
  private local: number[] = [];
  private readonly localByCaller = new Map<string, number[]>();
  private recorded = 0;
  private lastAccess: GuessVerdict['access'] = 'open';
  private readonly windowMs: number;

  constructor(private readonly opts: GuessLimiterOptions) {
    this.windowMs = opts.windowMinutes * 60_000;
  }

  async check(callerId: string): Promise<GuessVerdict> {
    const now = this.opts.clock.now().getTime();
    const caller = callerId.trim();
    this.forget(now);
    const local = {
      total: this.local.length,
      callerTimes: caller ? (this.localByCaller.get(caller) ?? []) : [],
    };
    const shared = await this.shared(now, caller);
    const total = Math.max(local.total, shared?.total ?? 0);
    const callerTimes =
      shared && shared.callerTimes.length >= local.callerTimes.length
        ? shared.callerTimes
        : local.callerTimes;
    return this.verdict(total, callerTimes, now);
  }

  async recordFailure(kind: GuessKind, callerId: string): Promise<GuessVerdict> {
    const at = this.opts.clock.now();
    const caller = callerId.trim();
    this.local.push(at.getTime());
    if (this.local.length > LOCAL_CAP) this.local = this.local.slice(-LOCAL_CAP);
    if (caller)
      this.localByCaller.set(caller, [...(this.localByCaller.get(caller) ?? []), at.getTime()]);
    const log = this.opts.log();
    if (log) {
      await this.bounded(log.record({ kind, caller, node: this.opts.node, at }), 'record');
      if (++this.recorded % PRUNE_EVERY === 0)
        void this.bounded(log.prune(new Date(at.getTime() - 2 * this.windowMs)), 'prune');
    }
    const v = await this.check(callerId);
    if (v.access === 'refused' && v.why === 'caller')
      this.opts.logger?.warn('too many wrong PINs: caller ID locked out', { caller });
    return v;
  }

  private async shared(
    now: number,
    caller: string,
  ): Promise<{ total: number; callerTimes: number[] } | null> {
    const log = this.opts.log();
    if (!log) return null;
    const r = await this.bounded(
      log.recent({
        since: new Date(now - this.windowMs),
        caller,
        callerSince: new Date(now - 2 * this.windowMs),
      }),
      'count',
    );
    return r ? { total: r.total, callerTimes: r.callerTimes.map((d) => d.getTime()) } : null;
  }

  private verdict(total: number, callerTimes: readonly number[], now: number): GuessVerdict {
    const { refuseFailures, slowFailures, slowSeconds, callerFailures } = this.opts;
    let v: GuessVerdict;
    if (refuseFailures > 0 && total >= refuseFailures) v = { access: 'refused', why: 'attack' };
    else if (callerFailures > 0 && locked(callerTimes, now, this.windowMs, callerFailures))
      v = { access: 'refused', why: 'caller' };
    else if (slowFailures > 0 && total >= slowFailures)
      v = { access: 'slow', waitSeconds: slowSeconds };
    else v = { access: 'open' };
    this.report(v, total);
    return v;
  }

  /** One log line when cluster-wide guessing starts slowing or refusing card access, and when it ends. */
  private report(v: GuessVerdict, total: number): void {
    const access = v.access === 'refused' && v.why === 'caller' ? this.lastAccess : v.access;
    if (access === this.lastAccess) return;
    this.lastAccess = access;
    const what = { failures: total, windowMinutes: this.opts.windowMinutes };
    if (access === 'open') this.opts.logger?.info('PIN guessing over: card access open', what);
    else
      this.opts.logger?.warn(
        `PIN guessing: card access ${access === 'slow' ? 'slowed' : 'refused'}`,
        what,
      );
  }

  /** Drops what has left the window (per caller: twice the window, for the lockout's length). */
  private forget(now: number): void {
    const from = now - this.windowMs;
    if (this.local.length > 0 && this.local[0]! <= from)
      this.local = this.local.filter((t) => t > from);
    for (const [k, times] of this.localByCaller) {
      const kept = times.filter((t) => t > now - 2 * this.windowMs);
      if (kept.length === 0) this.localByCaller.delete(k);
      else if (kept.length !== times.length) this.localByCaller.set(k, kept);
    }
  }

  /** The database's answer, or null when it fails or is too slow (the memory count then applies). */
  private async bounded<T>(work: Promise<T>, what: string): Promise<T | null> {
    const ms = this.opts.dbDeadlineMs ?? 2500;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), ms);
      timer.unref?.();
    });
    try {
      return await Promise.race([work, late]);
    } catch (err) {
      this.opts.logger?.warn('PIN failure log unavailable: counting in memory', {
        what,
        error: errorText(err),
      });
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Locked: some failure within the last window completed `n` failures within one window (its
 * own included), i.e. the lockout it started has not run out yet.
 */
export function locked(
  times: readonly number[],
  now: number,
  windowMs: number,
  n: number,
): boolean {
  const sorted = [...times].sort((a, b) => a - b);
  let from = 0;
  for (let i = 0; i < sorted.length; i++) {
    const t = sorted[i]!;
    while (sorted[from]! <= t - windowMs) from++;
    if (t > now - windowMs && i - from + 1 >= n) return true;
  }
  return false;
}

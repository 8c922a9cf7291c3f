/**
 * The talk-time clock of a grant-mode call (charging like an SCP: ApplyCharging /
 * Final-Unit-Indication). It replaces the single LimitTimer of a call once it is connected:
 *
 *   granted G s ──(G − releaseMargin)──► extend in ONE store transaction (store/tx/extend.ts)
 *     committed, more granted → TIMEOUT(absolute) moved on every leg to the seconds left of the
 *                               new total (re-setting replaces Asterisk's deadline, counted
 *                               from now), the daemon's own limit moved with it
 *     final grant             → no further extension; the warning is played `warnBefore`
 *                               seconds before the end (at once when that moment has passed)
 *     no answer within the deadline, a store error, or TIMEOUT not moved
 *                             → the current grant is final: Asterisk cuts the call at its end.
 *
 * Asterisk's deadline is only ever moved AFTER the extension committed, so a daemon that
 * stops, or a database that does not answer, can never give free talk time: the call always
 * ends at the end of a grant the account has paid for (reserved).
 * Time is the daemon clock, from start() (called right after TIMEOUT(absolute) was first set).
 */
import type { Logger } from '../log.js';
import type { CallControl } from './call-control-port.js';
import type { DaemonClock, TimerHandle } from './clock.js';
import type { ExtendResult, GrantStore } from './grant-ports.js';
import { errorText } from '../error-text.js';

export interface GrantTiming {
  /** Seconds before a grant runs out at which the next one is asked for (default 10). */
  releaseMarginSeconds: number;
  /** How long the store may take to answer an extension before the grant is final (default 2500 ms). */
  extendDeadlineMs: number;
  /** Seconds the daemon's own limit waits past Asterisk's before it steps in. */
  graceSeconds: number;
  /** Seconds before the end of the final grant to warn the caller (0: no warning). */
  warnBeforeSeconds: number;
}

export interface GrantControllerOptions extends GrantTiming {
  store: GrantStore;
  control: CallControl;
  clock: DaemonClock;
  logger: Logger;
  uniqueid: string;
  /** Every leg that carries TIMEOUT(absolute) (A first). */
  channels: readonly string[];
  /** The first grant (seconds from start()) and whether it is already final. */
  granted: number;
  final: boolean;
  defaultMaxSeconds: number;
  defaultGrantSeconds: number;
  onWarn(): void;
  /** The daemon's own limit: the call outlived its grant (Asterisk did not cut it). */
  onLimit(): void;
  /** Each committed extension (for logs, the API and tests). */
  onGranted?(total: number, final: boolean): void;
  /**
   * The latest moment (on `clock`) the call is proven up; an extension claims talk time only
   * up to it (a websocket gap may hide that the call already ended). Default: now.
   */
  confirmedUp?(): Date;
}

type Outcome = ExtendResult | { ok: false; reason: 'TIMEOUT' | 'ERROR'; error?: string };

export class GrantController {
  /** When the talk started, on the monotonic clock (a wall-clock step must not move the limit). */
  private base = 0;
  private granted: number;
  private final: boolean;
  private timers: TimerHandle[] = [];
  private started = false;
  private closed = false;
  private warned = false;
  private extending = false;
  private extensions = 0;

  constructor(private readonly o: GrantControllerOptions) {
    this.granted = o.granted;
    this.final = o.final;
  }

  /** Seconds granted so far (from start()). */
  get grantedSeconds(): number {
    return this.granted;
  }

  get isFinal(): boolean {
    return this.final;
  }

  get extensionCount(): number {
    return this.extensions;
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.base = this.o.clock.monotonicMs();
    this.schedule();
  }

  close(): void {
    this.closed = true;
    this.cancel();
  }

  private cancel(): void {
    for (const t of this.timers) t.cancel();
    this.timers = [];
  }

  private msLeft(): number {
    return this.base + this.granted * 1000 - this.o.clock.monotonicMs();
  }

  private schedule(): void {
    if (this.closed) return;
    this.cancel();
    const { clock, releaseMarginSeconds, graceSeconds, warnBeforeSeconds } = this.o;
    const left = this.msLeft();
    if (!this.final) {
      this.timers.push(
        clock.setTimer(Math.max(0, left - releaseMarginSeconds * 1000), () => void this.extend()),
      );
    } else if (warnBeforeSeconds > 0 && !this.warned && left > 0) {
      this.timers.push(
        clock.setTimer(Math.max(0, left - warnBeforeSeconds * 1000), () => this.warn()),
      );
    }
    this.timers.push(
      clock.setTimer(left + graceSeconds * 1000, () => {
        // An extension being applied re-arms the limit when it is done (at once if it failed).
        if (!this.closed && !this.extending) this.o.onLimit();
      }),
    );
  }

  private warn(): void {
    if (this.closed || this.warned) return;
    this.warned = true;
    this.o.onWarn();
  }

  private async ask(): Promise<Outcome> {
    const { store, clock, extendDeadlineMs, uniqueid, defaultMaxSeconds, defaultGrantSeconds } =
      this.o;
    const now = clock.now();
    // The checkpoint is a floor for billing: only time the daemon can prove the call was up.
    const unprovenMs = Math.max(0, now.getTime() - (this.o.confirmedUp?.() ?? now).getTime());
    const confirmedSeconds = Math.max(
      0,
      Math.floor((clock.monotonicMs() - this.base - unprovenMs) / 1000),
    );
    let timer: TimerHandle | undefined;
    const deadline = new Promise<Outcome>((resolve) => {
      timer = clock.setTimer(extendDeadlineMs, () => resolve({ ok: false, reason: 'TIMEOUT' }));
    });
    const asked = store
      .extend({
        uniqueid,
        fromSeconds: this.granted,
        confirmedSeconds,
        at: now,
        defaultMaxSeconds,
        defaultGrantSeconds,
      })
      .catch((err: unknown): Outcome => ({
        ok: false,
        reason: 'ERROR',
        error: errorText(err),
      }));
    try {
      return await Promise.race([asked, deadline]);
    } finally {
      timer?.cancel();
    }
  }

  private async extend(): Promise<void> {
    if (this.closed || this.final || this.extending) return;
    this.extending = true;
    const log = this.o.logger;
    try {
      const r = await this.ask();
      if (this.closed) return;
      if (!r.ok) {
        const detail = 'error' in r ? { error: r.error } : {};
        if (r.reason === 'GONE')
          log.warn('grant extension: the call is no longer open in the store', {
            uniqueid: this.o.uniqueid,
          });
        else
          log.error('grant extension not answered in time; the call ends at its current grant', {
            uniqueid: this.o.uniqueid,
            reason: r.reason,
            granted: this.granted,
            ...detail,
          });
        this.final = true;
        return;
      }
      if (r.maxSeconds > this.granted) {
        const moved = await this.moveDeadline(r.maxSeconds);
        if (this.closed) return;
        if (!moved) {
          // The reservation grew but Asterisk still has the old deadline: it ends the call there
          // and settlement bills what was talked (the extra reservation is released then).
          this.final = true;
          return;
        }
        this.granted = r.maxSeconds;
        this.extensions += 1;
        this.final = r.final;
        log.info('grant extended', {
          uniqueid: this.o.uniqueid,
          granted: r.maxSeconds,
          final: r.final,
          why: r.why,
        });
        this.o.onGranted?.(r.maxSeconds, r.final);
      } else {
        this.final = true;
        log.info('no further grant: the call is released at the end of this one', {
          uniqueid: this.o.uniqueid,
          granted: this.granted,
          why: r.why,
        });
      }
    } finally {
      this.extending = false;
      this.schedule();
    }
  }

  /**
   * TIMEOUT(absolute) on every leg = the time left of `total`, to the millisecond (Asterisk takes
   * fractions of a second), so the call talks exactly the seconds granted: whole seconds rounded
   * down cut a paid second short, and so did an allowance taken off for the request's latency.
   * Asterisk counts from when it receives the request, so the cut comes that latency (ms) late;
   * settlement bills no more than the grant (store/tx/settle.ts), so those ms are never charged.
   */
  private async moveDeadline(total: number): Promise<boolean> {
    const left = Math.floor(this.base + total * 1000 - this.o.clock.monotonicMs()) / 1000;
    if (left <= 0) return false;
    const results = await Promise.allSettled(
      this.o.channels.map((ch) => this.o.control.setAbsoluteTimeout(ch, left)),
    );
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length > 0) {
      this.o.logger.error(
        'could not move TIMEOUT(absolute) after an extension; the call ends at its current grant',
        {
          uniqueid: this.o.uniqueid,
          error: String((failed[0] as PromiseRejectedResult).reason),
        },
      );
      return false;
    }
    return true;
  }
}

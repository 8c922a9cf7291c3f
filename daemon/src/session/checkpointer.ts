/**
 * Periodic talk-time checkpoints: one daemon-wide job. Every `intervalSeconds` it takes this
 * node's answered reservations that a live session holds, asks Asterisk (one channel list) which
 * of those calls still have all their channels, and writes, for each confirmed call, the talk time
 * so far (answer → now, whole seconds, capped at the grant) to its open CDR in one batched
 * statement (store/checkpoints.ts). Restart reconciliation never bills an ended call below it.
 *
 * A tick that cannot confirm (Asterisk or the database not answering) writes nothing: a
 * checkpoint is a promise that the call really was up, never a guess.
 */
import type { Logger } from '../log.js';
import type { Checkpoint, CheckpointStore } from './ports.js';
import type { CallControl } from './call-control-port.js';
import { secondsBetween } from './talk-time.js';
import type { DaemonClock, TimerHandle } from './clock.js';
import type { BillingStore } from './ports.js';
import type { LivenessBook } from './live-check.js';
import type { RegisteredSession, SessionRegistry } from './registry.js';
import { errorText } from '../error-text.js';

/** A live session as the checkpointer sees it. */
export interface CheckpointedSession extends RegisteredSession {
  /** Channels that must still exist for the call to be alive (A and, once talking, B). */
  channelsToCheck(): string[];
  /**
   * When the session bills several legs each from its own answer (a callback): the channels
   * that prove the talk time of the leg `uniqueid`; one is enough.
   */
  channelsToCheckFor?(uniqueid: string): string[];
}

export interface CheckpointerOptions {
  store: Pick<BillingStore, 'reservations'>;
  checkpoints: Pick<CheckpointStore, 'saveCheckpoints'>;
  control: Pick<CallControl, 'listChannels'>;
  registry: SessionRegistry<CheckpointedSession>;
  clock: DaemonClock;
  logger: Logger;
  node: string;
  /** Seconds between ticks; 0 disables the job (runOnce still works). */
  intervalSeconds: number;
  /** Where each confirmed call's "last confirmed up" moment is kept for the live check. */
  book?: LivenessBook;
}

export interface CheckpointReport {
  written: number;
  calls: Checkpoint[];
  skipped?: string;
}

export class Checkpointer {
  private timer: TimerHandle | null = null;
  private running: Promise<CheckpointReport> | null = null;
  private closed = false;

  constructor(private readonly opts: CheckpointerOptions) {}

  start(): void {
    if (this.timer || this.closed || this.opts.intervalSeconds <= 0) return;
    this.schedule();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One tick; concurrent calls share it. */
  runOnce(now?: Date): Promise<CheckpointReport> {
    this.running ??= this.tick(now ?? this.opts.clock.now()).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** A steady cadence: the next tick is armed when this one fires (a slow tick is shared, not stacked). */
  private schedule(): void {
    this.timer = this.opts.clock.setTimer(this.opts.intervalSeconds * 1000, () => {
      this.timer = null;
      if (this.closed) return;
      this.schedule();
      // A tick that finds the previous one still running runs after it (none is skipped).
      const at = this.opts.clock.now();
      const run = (): Promise<CheckpointReport> => this.runOnce(at);
      void (this.running ? this.running.then(run, run) : run()).catch((err: unknown) =>
        this.opts.logger.warn('checkpoint tick failed', { error: errorText(err) }),
      );
    });
  }

  private async tick(now: Date): Promise<CheckpointReport> {
    const { store, checkpoints, control, registry, logger, node } = this.opts;
    if (registry.size === 0) return { written: 0, calls: [] };
    let answered;
    try {
      answered = (await store.reservations(node)).filter(
        (r) => r.answer !== null && registry.byUniqueid(r.uniqueid),
      );
    } catch (err) {
      logger.warn('checkpoints skipped: cannot read reservations', { error: errorText(err) });
      return { written: 0, calls: [], skipped: 'database' };
    }
    if (answered.length === 0) return { written: 0, calls: [] };
    let alive: Set<string>;
    try {
      alive = new Set((await control.listChannels()).map((c) => c.id));
    } catch (err) {
      logger.warn('checkpoints skipped: cannot ask Asterisk which calls are up', {
        error: errorText(err),
      });
      return { written: 0, calls: [], skipped: 'asterisk' };
    }
    const calls: Checkpoint[] = [];
    for (const r of answered) {
      const session = registry.byUniqueid(r.uniqueid);
      const perLeg = session?.channelsToCheckFor?.(r.uniqueid);
      const needed = perLeg ?? session?.channelsToCheck() ?? [];
      if (needed.length < (perLeg ? 1 : 2) || !needed.every((id) => alive.has(id))) continue;
      // The whole call is up only when all its channels are (one callback leg proves only itself).
      const whole = perLeg ? session!.channelsToCheck() : needed;
      if (whole.length > 0 && whole.every((id) => alive.has(id)))
        this.opts.book?.stamp(session!, now);
      calls.push({
        uniqueid: r.uniqueid,
        seconds: Math.min(r.maxSeconds, secondsBetween(r.answer!, now)),
      });
    }
    if (calls.length === 0) return { written: 0, calls };
    try {
      const written = await checkpoints.saveCheckpoints(calls, now);
      logger.debug('talk-time checkpoints written', { calls: calls.length });
      return { written, calls };
    } catch (err) {
      logger.warn('checkpoints not written: database error', {
        calls: calls.length,
        error: errorText(err),
      });
      return { written: 0, calls: [], skipped: 'database' };
    }
  }
}

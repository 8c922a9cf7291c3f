/**
 * A node-cron schedule with start()/close(): runs `run` at each tick (never two at once) and logs
 * a failure instead of letting it escape. Owners keep their own run logic and `runOnce`; this
 * class only owns the timer (daily reports, housekeeping).
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from './log.js';
import { errorText } from './error-text.js';

export interface CronJobOptions {
  /** node-cron expression. */
  cron: string;
  /** node-cron task name. */
  name: string;
  /** IANA zone the expression is evaluated in (default: the process's local time). */
  timezone?: string;
  run: () => Promise<unknown>;
  logger?: Logger | undefined;
  /** Log message when a run throws. */
  failure: string;
}

export class CronJob {
  private task: ScheduledTask | null = null;

  constructor(private readonly opts: CronJobOptions) {}

  static valid(expression: string): boolean {
    return cron.validate(expression);
  }

  start(): void {
    if (this.task) return;
    const { cron: expression, name, timezone, run, logger, failure } = this.opts;
    this.task = cron.schedule(
      expression,
      async () => {
        try {
          await run();
        } catch (err) {
          logger?.error(failure, { error: errorText(err) });
        }
      },
      { name, noOverlap: true, ...(timezone ? { timezone } : {}) },
    );
  }

  /** When the next scheduled run is (null when not started). */
  nextRun(): Date | null {
    return this.task?.getNextRun() ?? null;
  }

  /** Stops the timer; a run in progress is the owner's to await. */
  async close(): Promise<void> {
    const t = this.task;
    this.task = null;
    if (t) {
      await t.stop();
      await t.destroy();
    }
  }
}

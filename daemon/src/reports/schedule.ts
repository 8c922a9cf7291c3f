/**
 * Writes yesterday's daily report as CSV on a node-cron schedule (ASTBILL_REPORT_CRON, in UTC)
 * into ASTBILL_REPORT_DIR. A small part with start()/close() that the daemon's composition
 * creates when `config.reports` is set (loadConfig reads and checks both settings).
 *
 * Several daemons on one database may all run it: the file for a day is rewritten with the same
 * content (the report reads only settled CDRs of a past day), so the last writer wins harmlessly.
 */
import type { Knex } from 'knex';
import { ConfigError } from '../config.js';
import { CronJob } from '../cron-job.js';
import type { Logger } from '../log.js';
import { dailyReport, yesterday } from './daily.js';
import { writeReport } from './write.js';

export interface ReportScheduleOptions {
  knex: Knex;
  /** node-cron expression, evaluated in UTC. */
  cron: string;
  dir: string;
  logger?: Logger | undefined;
  now?: () => Date;
}

export class ReportSchedule {
  private readonly job: CronJob;
  private running: Promise<string> | null = null;

  constructor(private readonly opts: ReportScheduleOptions) {
    if (!CronJob.valid(opts.cron))
      throw new ConfigError('ASTBILL_REPORT_CRON', `'${opts.cron}' is not a valid cron expression`);
    if (opts.dir.trim() === '')
      throw new ConfigError('ASTBILL_REPORT_DIR', 'must name a directory');
    this.job = new CronJob({
      cron: opts.cron,
      name: 'astbill-daily-report',
      timezone: 'Etc/UTC',
      run: () => this.runOnce(),
      logger: opts.logger,
      failure: 'daily report failed',
    });
  }

  start(): void {
    this.job.start();
  }

  /** When the next scheduled run is (null when not started). */
  nextRun(): Date | null {
    return this.job.nextRun();
  }

  /** Writes the report of `date` (default: yesterday, UTC); returns the file path. */
  runOnce(date: string = yesterday(this.opts.now?.() ?? new Date())): Promise<string> {
    const run = (async () => {
      const report = await dailyReport(this.opts.knex, date);
      const path = await writeReport(this.opts.dir, report, 'csv');
      this.opts.logger?.info('daily report written', { date, path, calls: report.totals.calls });
      return path;
    })();
    this.running = run;
    return run;
  }

  async close(): Promise<void> {
    await this.job.close();
    await this.running?.catch(() => undefined);
  }
}

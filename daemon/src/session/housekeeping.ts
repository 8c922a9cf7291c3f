/**
 * The periodic sweep (node-cron): a reservation of this node older than its max seconds plus a
 * margin is stale. If a live session still holds it, that call outlived its grant and is ended
 * through the one kill path. If no session holds it and none of its channels exists in
 * Asterisk any more (the daemon lost the call: crash, restart, lost events), it is settled by
 * the one rule for a call whose end was not seen (unseen-end.ts: Asterisk's CDR when it has one,
 * else by policy within [last checkpoint, now], by default the last checkpoint; never answered:
 * released at no cost), loudly.
 *
 * A stale reservation whose channel still exists is only logged: hanging up a live channel
 * the daemon knows nothing about is left to the operator.
 */
import { CronJob } from '../cron-job.js';
import type { Logger } from '../log.js';
import type { CallControl } from './call-control-port.js';
import type { DaemonClock } from './clock.js';
import { killCall } from './kill-call.js';
import type { BillingStore, CheckpointStore, OpenCdr, Reservation } from './ports.js';
import type { SessionRegistry } from './registry.js';
import type { UnseenEnds } from './unseen-end.js';
import type { OrphanReport, OrphanSweep } from './orphan-sweep.js';
import { errorText } from '../error-text.js';

export interface HousekeepingOptions {
  store: BillingStore;
  control: CallControl;
  registry: SessionRegistry;
  logger: Logger;
  clock: DaemonClock;
  node: string;
  /** node-cron expression. */
  cron: string;
  staleMarginSeconds: number;
  /** Settles the lost calls (the rule for an end that was not seen). */
  unseen: UnseenEnds;
  /** Open CDRs with their checkpoints (the last moment a call was confirmed up); null: none. */
  checkpoints: Pick<CheckpointStore, 'openCdrs'> | null;
  /** Channels and bridges of ours that no live call owns (orphan-sweep.ts), swept at every run. */
  orphans?: OrphanSweep;
}

export interface HousekeepingReport {
  stale: number;
  settled: string[];
  killed: string[];
  stillAlive: string[];
  skipped?: string;
  /** What the orphan sweep removed. */
  orphans?: OrphanReport;
}

export class Housekeeping {
  private readonly job: CronJob;
  private running: Promise<HousekeepingReport> | null = null;

  constructor(private readonly opts: HousekeepingOptions) {
    this.job = new CronJob({
      cron: opts.cron,
      name: `astbill-housekeeping-${opts.node}`,
      run: () => this.runOnce(),
      logger: opts.logger,
      failure: 'housekeeping failed',
    });
  }

  /** The orphan sweep alone (after a (re)connection); counts as one sighting. */
  async sweepOrphans(): Promise<OrphanReport | null> {
    return (await this.opts.orphans?.run()) ?? null;
  }

  static validCron(expression: string): boolean {
    return CronJob.valid(expression);
  }

  start(): void {
    this.job.start();
  }

  async close(): Promise<void> {
    this.opts.orphans?.close();
    await this.job.close();
    await this.running?.catch(() => undefined);
  }

  /** One sweep; `now` defaults to the daemon clock. Concurrent calls share one run. */
  runOnce(now?: Date): Promise<HousekeepingReport> {
    if (!this.running) {
      this.running = this.sweep(now ?? this.opts.clock.now())
        .then(async (report) => {
          const orphans = await this.opts.orphans?.run();
          return orphans ? { ...report, orphans } : report;
        })
        .finally(() => {
          this.running = null;
        });
    }
    return this.running;
  }

  private async sweep(now: Date): Promise<HousekeepingReport> {
    const { store, control, registry, logger, node, staleMarginSeconds } = this.opts;
    const report: HousekeepingReport = { stale: 0, settled: [], killed: [], stillAlive: [] };
    const all = await store.reservations(node);
    const stale = all.filter(
      (r) => now.getTime() - r.created.getTime() >= (r.maxSeconds + staleMarginSeconds) * 1000,
    );
    report.stale = stale.length;
    if (stale.length === 0) return report;
    let channelIds: string[];
    try {
      channelIds = (await control.listChannels()).map((c) => c.id);
    } catch (err) {
      // Without Asterisk's channel list nothing can be told apart from a live call.
      report.skipped = `cannot list channels: ${errorText(err)}`;
      logger.warn('housekeeping skipped: cannot ask Asterisk which channels exist', {
        stale: stale.length,
        error: report.skipped,
      });
      return report;
    }
    // The checkpoints: the last moment each lost call was confirmed up.
    const open = new Map(
      ((await this.opts.checkpoints?.openCdrs(this.opts.node)) ?? []).map((c) => [c.uniqueid, c]),
    );
    for (const r of stale) {
      const session = registry.byUniqueid(r.uniqueid);
      if (session) {
        report.killed.push(r.uniqueid);
        await killCall(session, 'housekeeping', logger, {
          uniqueid: r.uniqueid,
          maxSeconds: r.maxSeconds,
        });
        continue;
      }
      const alive = channelIds.some((id) => id === r.uniqueid || r.uniqueid.startsWith(`${id}.`));
      if (alive) {
        report.stillAlive.push(r.uniqueid);
        logger.error('STALE RESERVATION whose channel still exists in Asterisk; left alone', {
          uniqueid: r.uniqueid,
          account: r.account,
        });
        continue;
      }
      try {
        await this.settleStale(r, now, open.get(r.uniqueid) ?? null);
        report.settled.push(r.uniqueid);
      } catch (err) {
        logger.error('housekeeping could not settle a stale reservation', {
          uniqueid: r.uniqueid,
          error: errorText(err),
        });
      }
    }
    return report;
  }

  private async settleStale(r: Reservation, now: Date, cdr: OpenCdr | null): Promise<void> {
    const { store, logger, unseen } = this.opts;
    const res = await unseen.settleSessionless(store, {
      reservation: r,
      cdr,
      goneAt: now,
      by: 'housekeeping',
    });
    logger.error('STALE RESERVATION SETTLED by housekeeping (the daemon lost this call)', {
      uniqueid: r.uniqueid,
      account: r.account,
      created: r.created.toISOString(),
      answer: r.answer?.toISOString() ?? null,
      billsec: res.billsec,
      endSource: res.end?.source ?? null,
      cost: res.cost.toString(),
      alreadySettled: !res.settled,
    });
  }
}

/**
 * Restart reconciliation: run once after the first ARI connection and after every reconnect.
 * It compares this node's reservations with the channels and bridges Asterisk still has:
 *
 * - a reservation a live session holds: not ours to touch (the router's resync checks those);
 * - answered, both legs still up in one of our bridges: the call survived the daemon; its
 *   supervision is resumed (`adopt`: a session in the talking state with its bridge, a limit
 *   timer for the seconds left, TIMEOUT(absolute) set again to them, hang-up of the other leg
 *   when one ends, settlement at the end from Asterisk's timestamps);
 * - anything else: the call is over (or cannot go on: one leg gone, never answered). Its legs
 *   still up are hung up, its bridge destroyed, and it is settled by the one rule for a call
 *   whose end was not seen (unseen-end.ts: Asterisk's CDR when it has one, else by policy within
 *   [last checkpoint, now], by default the last checkpoint), flagged 'reconciled' in the CDR
 *   note and end_source, and logged loudly; never answered: released at no cost (FAILED).
 *   A call that was bridged but whose answer time never reached the database (a crash in the
 *   instant between the two) counts as answered at its start.
 * - the two legs of a callback call (linked by callback_id) are one call: resumed together as one
 *   two-leg session (`adoptCallback`, reconcile-callback.ts) when both are still bridged, else
 *   each leg is ended and settled as above, never adopted on its own;
 * - our own leftovers of ended calls (bridges and channels whose ids carry this node's prefix,
 *   from an earlier run, that no session holds) are deleted: Asterisk keeps the app inactive
 *   while it owns any.
 *
 * Open CDRs of this node without a reservation are only reported (a local journal may still
 * hold their settlement). If the database or Asterisk does not answer, nothing is changed and
 * the run is retried after `retrySeconds`.
 */
import type { Logger } from '../log.js';
import type { CheckpointStore, OpenCdr } from './ports.js';
import type { BridgeSummary, CallControl } from './call-control-port.js';
import type { DaemonClock, TimerHandle } from './clock.js';
import type { AdoptableCallback } from './callback-session.js';
import type { IdFactory } from './ids.js';
import { adoptableCallback, callbackPairs } from './reconcile-callback.js';
import type { BillingStore, Reservation } from './ports.js';
import type { RegisteredSession, SessionRegistry } from './registry.js';
import type { UnseenEnds } from './unseen-end.js';
import { errorText } from './call-scope.js';
import { deleteLeftovers } from './leftovers.js';
import { reconcileCall, type AdoptableCall, type ReconcileReport } from './reconcile-call.js';

export {
  RECONCILED_NOTE,
  aChannelOf,
  type AdoptableCall,
  type ReconcileReport,
  type ReconciledCall,
} from './reconcile-call.js';

export interface ReconcilerOptions {
  store: Pick<BillingStore, 'reservations' | 'settle'>;
  /** Open CDRs with their checkpoints; null when the store offers none (then the floor is 0). */
  checkpoints: Pick<CheckpointStore, 'openCdrs'> | null;
  control: Pick<CallControl, 'listChannels' | 'listBridges' | 'hangup' | 'destroyBridge'>;
  registry: SessionRegistry<RegisteredSession>;
  ids: Pick<IdFactory, 'isOurs' | 'isThisRun'>;
  clock: DaemonClock;
  logger: Logger;
  node: string;
  /** Resumes supervision of a live call; false (or a throw) when it could not: the call is then ended here. */
  adopt(call: AdoptableCall): boolean | Promise<boolean>;
  /** Resumes a callback call (both legs, one session); absent or false: its legs are ended here. */
  adoptCallback?(call: AdoptableCallback): boolean | Promise<boolean>;
  /** Seconds before a run that could not reach the database or Asterisk is tried again (default 10). */
  retrySeconds?: number;
  /** Settles the calls that are over (the rule for an end that was not seen). */
  unseen: UnseenEnds;
}

export class Reconciler {
  private running: Promise<ReconcileReport> | null = null;
  private again = false;
  private retry: TimerHandle | null = null;
  private closed = false;

  constructor(private readonly opts: ReconcilerOptions) {}

  /** Asks for a run (after a (re)connection); runs asked for while one runs are folded into one more. */
  request(): Promise<ReconcileReport> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.retry?.cancel();
    this.retry = null;
    this.running = this.runGuarded().finally(() => {
      this.running = null;
      if (this.again && !this.closed) {
        this.again = false;
        void this.request();
      }
    });
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.retry?.cancel();
    this.retry = null;
    await this.running?.catch(() => undefined);
  }

  private async runGuarded(): Promise<ReconcileReport> {
    const report = await this.run();
    if (report.skipped && !this.closed) {
      const seconds = this.opts.retrySeconds ?? 10;
      this.retry = this.opts.clock.setTimer(seconds * 1000, () => {
        this.retry = null;
        if (!this.closed) void this.request();
      });
    }
    return report;
  }

  /** One pass (exposed for tests; the daemon uses request()). */
  async run(): Promise<ReconcileReport> {
    // Sessions of this run that settle while the run awaits Asterisk's listing leave their
    // reservation in what was read: those are theirs, not calls that ended while we were away.
    const watch = this.opts.registry.watchRemovals();
    try {
      return await this.runWatching(watch.ended);
    } finally {
      watch.stop();
    }
  }

  private async runWatching(ended: ReadonlySet<string>): Promise<ReconcileReport> {
    const { store, checkpoints, control, logger, node } = this.opts;
    const report: ReconcileReport = {
      reservations: 0,
      live: [],
      adopted: [],
      settled: [],
      failed: [],
      leftoverBridges: [],
      leftoverChannels: [],
      orphanCdrs: [],
    };
    let reservations: Reservation[];
    let open: Map<string, OpenCdr>;
    try {
      reservations = await store.reservations(node);
      open = new Map(
        (await (checkpoints?.openCdrs(node) ?? Promise.resolve([]))).map((c) => [c.uniqueid, c]),
      );
    } catch (err) {
      report.skipped = `database: ${errorText(err)}`;
      logger.warn('reconciliation postponed: cannot read this node’s reservations', {
        node,
        error: errorText(err),
      });
      return report;
    }
    let channels: Map<string, string>;
    let bridges: BridgeSummary[];
    try {
      channels = new Map((await control.listChannels()).map((c) => [c.id, c.name]));
      bridges = await control.listBridges();
    } catch (err) {
      report.skipped = `asterisk: ${errorText(err)}`;
      logger.warn('reconciliation postponed: cannot ask Asterisk which channels exist', {
        node,
        error: errorText(err),
      });
      return report;
    }
    report.reservations = reservations.length;
    const reserved = new Set(reservations.map((r) => r.uniqueid));
    for (const c of open.keys()) if (!reserved.has(c)) report.orphanCdrs.push(c);
    if (report.orphanCdrs.length > 0)
      logger.warn('open CDRs of this node without a reservation; left alone', {
        node,
        uniqueids: report.orphanCdrs,
      });

    const now = this.opts.clock.now();
    const callbackLegs = new Set<string>();
    for (const pair of callbackPairs(reservations, open).values()) {
      for (const l of pair.legs) callbackLegs.add(l.r.uniqueid);
      if (pair.legs.some((l) => this.heldBySession(l.r.uniqueid, ended))) continue;
      if (await this.resumeCallback(adoptableCallback(pair, channels, bridges, this.opts.ids, now)))
        for (const l of pair.legs) report.adopted.push(l.r.uniqueid);
    }
    for (const r of reservations) {
      if (this.heldBySession(r.uniqueid, ended)) {
        report.live.push(r.uniqueid);
        continue;
      }
      if (report.adopted.includes(r.uniqueid)) continue;
      try {
        await reconcileCall(
          this.opts,
          r,
          open.get(r.uniqueid) ?? null,
          channels,
          bridges,
          now,
          report,
          !callbackLegs.has(r.uniqueid),
        );
      } catch (err) {
        report.failed.push(r.uniqueid);
        logger.error('reconciliation of a call failed; housekeeping or the next run will retry', {
          uniqueid: r.uniqueid,
          error: errorText(err),
        });
      }
    }
    const deleted = await deleteLeftovers(this.opts, bridges, channels, report.leftoverBridges);
    report.leftoverBridges.push(...deleted.bridges);
    report.leftoverChannels.push(...deleted.channels);
    if (
      report.adopted.length +
        report.settled.length +
        report.leftoverBridges.length +
        report.leftoverChannels.length >
      0
    ) {
      logger.warn('reconciliation done', {
        node,
        reservations: report.reservations,
        adopted: report.adopted.length,
        settled: report.settled.length,
        failed: report.failed.length,
        leftoverBridges: report.leftoverBridges.length,
        leftoverChannels: report.leftoverChannels.length,
      });
    } else {
      logger.info('reconciliation: nothing to do', {
        node,
        reservations: report.reservations,
        live: report.live.length,
      });
    }
    return report;
  }

  /** Hands a callback still up to `adoptCallback`; false when there is none or it was not taken. */
  private async resumeCallback(call: AdoptableCallback | null): Promise<boolean> {
    const { adoptCallback } = this.opts;
    if (!call || !adoptCallback) return false;
    try {
      if (!(await adoptCallback(call))) return false;
    } catch (err) {
      this.opts.logger.error('could not resume supervision of a live callback; ending it', {
        callback: call.callbackId,
        error: errorText(err),
      });
      return false;
    }
    this.opts.logger.warn('callback survived the daemon; supervision of both legs resumed', {
      callback: call.callbackId,
      account: call.account,
      a: call.a.uniqueid,
      b: call.b.uniqueid,
      bridge: call.bridgeId,
    });
    return true;
  }

  /**
   * The reservation belongs to a session of this run: its A channel is a live session's, or one
   * that settled (`ended`) since the run read the reservations.
   */
  private heldBySession(uniqueid: string, ended: ReadonlySet<string>): boolean {
    const { registry } = this.opts;
    if (registry.byUniqueid(uniqueid)) return true;
    const of = (a: string) => uniqueid === a || uniqueid.startsWith(`${a}.`);
    for (const a of ended) if (of(a)) return true;
    return registry.sessions().some((s) => of(s.aChannelId));
  }
}

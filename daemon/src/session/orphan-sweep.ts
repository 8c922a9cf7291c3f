/**
 * Channels and bridges astbill created (their ids carry this node's prefix) that no live call
 * owns: a B leg whose hang-up failed after its call was settled, a bridge whose deletion failed.
 * On a carrier trunk such a leg costs the operator until its absolute timeout. Housekeeping runs
 * this sweep at every tick and after every (re)connection; one seen orphaned at two sweeps in a
 * row is hung up / deleted (a single sighting may be a call being set up: a bridge created a
 * moment before its channels join it). A channel or bridge that shares a bridge with the A
 * channel of one of this node's reservations is left to reconciliation.
 *
 * A caller's channel still in our Stasis application that no session and no reservation of this
 * node holds is an orphan too: its daemon died between the refusal (or the identification) and
 * the hang-up, and Asterisk keeps it in the application, silent, for ever. It is hung up once it
 * was seen orphaned at two sweeps at least `callerGraceMs` apart (a call that just entered the
 * application has its session by then); a sweep that leaves such a suspect sweeps again after
 * the grace, so a restart frees them without waiting for the housekeeping schedule; so does a
 * sweep that could not read the reservations or Asterisk's channels.
 */
import type { Logger } from '../log.js';
import type { CallControl } from './call-control-port.js';
import type { DaemonClock, TimerHandle } from './clock.js';
import type { IdFactory } from './ids.js';
import type { BillingStore } from './ports.js';
import type { SessionRegistry } from './registry.js';
import { errorText } from '../error-text.js';

export interface OrphanSweepOptions {
  control: Pick<CallControl, 'listChannels' | 'listBridges' | 'hangup' | 'destroyBridge'>;
  registry: SessionRegistry;
  store: Pick<BillingStore, 'reservations'>;
  ids: Pick<IdFactory, 'isOurs'>;
  /** An idle bridge the daemon keeps for the next call (bridge-pool.ts); default: none. */
  pooled?: (bridgeId: string) => boolean;
  logger: Logger;
  node: string;
  /** Our Stasis application (its callers' channels may be orphans). */
  app: string;
  clock: DaemonClock;
  /** How long a caller's channel must stay orphaned before it is hung up (default 5 s). */
  callerGraceMs?: number;
}

export interface OrphanReport {
  channels: string[];
  bridges: string[];
  skipped?: string;
}

export class OrphanSweep {
  /** Seen orphaned at the last sweep ('c:<id>' / 'b:<id>'). */
  private suspects = new Set<string>();
  /** Callers' channels seen orphaned, with when first (monotonic ms). */
  private callers = new Map<string, number>();
  private followUp: TimerHandle | null = null;
  private closed = false;

  constructor(private readonly opts: OrphanSweepOptions) {}

  close(): void {
    this.closed = true;
    this.followUp?.cancel();
    this.followUp = null;
  }

  async run(): Promise<OrphanReport> {
    const { control, registry, store, ids, logger, node } = this.opts;
    const report: OrphanReport = { channels: [], bridges: [] };
    let listed: { id: string; app: string | null }[];
    let bridges: { id: string; channels: string[] }[];
    let reserved: string[];
    try {
      reserved = (await store.reservations(node)).map((r) => r.uniqueid);
      listed = await control.listChannels();
      bridges = await control.listBridges();
    } catch (err) {
      report.skipped = errorText(err);
      // Not only for suspects already seen: a sweep that could not look (a restart's first one,
      // say) may have callers to find, and the next housekeeping tick may be far away or off.
      this.armFollowUp();
      return report;
    }
    const channels = listed.map((c) => c.id);
    const heldByReservation = (id: string): boolean =>
      reserved.some((u) => u === id || u.startsWith(`${id}.`));
    const owned = (id: string): boolean =>
      registry.byChannelId(id) !== undefined || heldByReservation(id);
    const busy = new Set<string>();
    for (const b of bridges) {
      if (b.channels.some(owned)) {
        busy.add(`b:${b.id}`);
        for (const c of b.channels) busy.add(`c:${c}`);
      }
    }
    const next = new Set<string>();
    const orphan = (key: string): boolean => {
      if (this.suspects.has(key)) return true;
      next.add(key);
      return false;
    };
    for (const b of bridges) {
      if (!ids.isOurs(b.id) || busy.has(`b:${b.id}`)) continue;
      if ((b.channels.length === 0 && this.opts.pooled?.(b.id)) || !orphan(`b:${b.id}`)) continue;
      report.bridges.push(b.id);
      logger.warn('deleting a bridge no live call owns', { bridge: b.id, channels: b.channels });
      await control.destroyBridge(b.id).catch((err: unknown) =>
        logger.warn('could not delete an orphaned bridge', {
          bridge: b.id,
          error: errorText(err),
        }),
      );
    }
    for (const id of channels) {
      if (!ids.isOurs(id) || owned(id) || busy.has(`c:${id}`) || !orphan(`c:${id}`)) continue;
      report.channels.push(id);
      logger.warn('hanging up a channel no live call owns', { channel: id });
      await control.hangup(id, 'normal').catch((err: unknown) =>
        logger.warn('could not hang up an orphaned channel', {
          channel: id,
          error: errorText(err),
        }),
      );
    }
    this.suspects = next;
    await this.sweepCallers(listed, owned, busy, report);
    return report;
  }

  private async sweepCallers(
    listed: { id: string; app: string | null }[],
    owned: (id: string) => boolean,
    busy: Set<string>,
    report: OrphanReport,
  ): Promise<void> {
    const { control, ids, logger, app, clock } = this.opts;
    const grace = this.opts.callerGraceMs ?? 5000;
    const now = clock.monotonicMs();
    const seen = new Map<string, number>();
    for (const c of listed) {
      if (c.app !== app || ids.isOurs(c.id) || owned(c.id) || busy.has(`c:${c.id}`)) continue;
      const since = this.callers.get(c.id) ?? now;
      if (now - since < grace) {
        seen.set(c.id, since);
        continue;
      }
      report.channels.push(c.id);
      logger.warn('hanging up a caller left in the application with no call', { channel: c.id });
      await control.hangup(c.id, 'normal').catch((err: unknown) => {
        seen.set(c.id, since);
        logger.warn('could not hang up an orphaned caller', {
          channel: c.id,
          error: errorText(err),
        });
      });
    }
    this.callers = seen;
    if (seen.size > 0) this.armFollowUp();
  }

  private armFollowUp(): void {
    if (this.followUp || this.closed) return;
    this.followUp = this.opts.clock.setTimer(this.opts.callerGraceMs ?? 5000, () => {
      this.followUp = null;
      if (!this.closed) void this.run();
    });
  }
}

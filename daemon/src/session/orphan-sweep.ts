/**
 * Channels and bridges astbill created (their ids carry this node's prefix) that no live call
 * owns: a B leg whose hang-up failed after its call was settled, a bridge whose deletion failed.
 * On a carrier trunk such a leg costs the operator until its absolute timeout. Housekeeping runs
 * this sweep at every tick and after every (re)connection; one seen orphaned at two sweeps in a
 * row is hung up / deleted (a single sighting may be a call being set up: a bridge created a
 * moment before its channels join it). A channel or bridge that shares a bridge with the A
 * channel of one of this node's reservations is left to reconciliation.
 */
import type { Logger } from '../log.js';
import type { CallControl } from './call-control-port.js';
import type { IdFactory } from './ids.js';
import type { BillingStore } from './ports.js';
import type { SessionRegistry } from './registry.js';
import { errorText } from '../error-text.js';

export interface OrphanSweepOptions {
  control: Pick<CallControl, 'listChannels' | 'listBridges' | 'hangup' | 'destroyBridge'>;
  registry: SessionRegistry;
  store: Pick<BillingStore, 'reservations'>;
  ids: Pick<IdFactory, 'isOurs'>;
  logger: Logger;
  node: string;
}

export interface OrphanReport {
  channels: string[];
  bridges: string[];
  skipped?: string;
}

export class OrphanSweep {
  /** Seen orphaned at the last sweep ('c:<id>' / 'b:<id>'). */
  private suspects = new Set<string>();

  constructor(private readonly opts: OrphanSweepOptions) {}

  async run(): Promise<OrphanReport> {
    const { control, registry, store, ids, logger, node } = this.opts;
    const report: OrphanReport = { channels: [], bridges: [] };
    let channels: string[];
    let bridges: { id: string; channels: string[] }[];
    let reserved: string[];
    try {
      reserved = (await store.reservations(node)).map((r) => r.uniqueid);
      channels = (await control.listChannels()).map((c) => c.id);
      bridges = await control.listBridges();
    } catch (err) {
      report.skipped = errorText(err);
      return report;
    }
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
      if (!ids.isOurs(b.id) || busy.has(`b:${b.id}`) || !orphan(`b:${b.id}`)) continue;
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
    return report;
  }
}

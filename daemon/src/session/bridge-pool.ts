/**
 * Mixing bridges kept for the next call instead of created and deleted per call: creating and
 * deleting one is two of the nine ARI requests an answered call cost (issue #19). An ARI bridge
 * outlives its channels (Asterisk deletes it only when asked), so once both legs of a call have
 * left it, the next call can be put in it with one addChannel.
 *
 * A bridge goes back to the idle list only when every channel put in it was seen leaving it
 * (ChannelLeftBridge, which Asterisk sends for a channel hung up in a bridge before its
 * StasisEnd), so a new call never joins a previous call's party. A failed addChannel leaves it
 * unknown which channels are in: that bridge is deleted at its release, as before. What the pool can no longer vouch for after a websocket
 * gap (those events may be lost) it deletes as before; idle bridges stay valid through a gap,
 * since only this daemon puts channels in them.
 *
 * Once connected the daemon makes POOL_WARM idle bridges ahead of calls (`warm`), so that calls
 * do not pay POST /bridges while the pool grows to the usual number of concurrent calls. Every
 * bridge id carries the node and this run's boot id (ids.ts), so an idle bridge is told apart
 * from leftovers in Asterisk: an empty bridge with this run's prefix. At shutdown the idle ones
 * are deleted; after a crash, the next run's reconciliation deletes the earlier run's, idle or
 * not (leftovers.ts), and the orphan sweep leaves alone only the idle bridges the pool holds.
 */
import type { CallControl } from './call-control-port.js';
import { CallControlError } from './call-control-port.js';
import type { CallEvent } from './call-events.js';
import type { IdFactory } from './ids.js';

/** Idle bridges kept at most (a burst of endings beyond it deletes the rest, as before). */
export const POOL_MAX_IDLE = 100;
/** Idle bridges made once connected (daemon.ts), about the usual peak of concurrent calls. */
export const POOL_WARM = 32;

interface InUse {
  /** The channels put in it that were not yet seen leaving it. */
  channels: string[];
  /** The call is over: the bridge is idle once `channels` is empty. */
  released: boolean;
}

export interface BridgePoolOptions {
  control: Pick<CallControl, 'createBridge' | 'addToBridge' | 'destroyBridge'>;
  ids: Pick<IdFactory, 'bridge'>;
  /** Idle bridges kept (0: every bridge is created per call and deleted at its end). */
  maxIdle: number;
}

export class BridgePool {
  private readonly idle: string[] = [];
  private readonly inUse = new Map<string, InUse>();
  /** The warming under way (one at a time, whatever the number of connections). */
  private warming: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly opts: BridgePoolOptions) {}

  /**
   * Puts the legs in a bridge: an idle one (one request) or a new one. `stillUp` is asked
   * before each step: a call that ended meanwhile gets no bridge. `created` is told the
   * bridge's id before the legs are added, so that the end of the call releases it. True
   * when the legs are in the bridge.
   */
  async connect(
    channels: readonly string[],
    stillUp: () => boolean,
    created: (bridgeId: string) => void,
  ): Promise<boolean> {
    const { control, ids } = this.opts;
    if (!stillUp()) return false;
    const reused = this.idle.pop();
    if (reused !== undefined) {
      this.track(reused, channels);
      created(reused);
      try {
        await control.addToBridge(reused, channels);
        return true;
      } catch (err) {
        // Which channels are in is unknown now: deleted at its release unless replaced here.
        const deleted = this.forget(reused);
        if (!(err instanceof CallControlError && err.kind === 'not-found') || !stillUp()) throw err;
        // "Bridge not found" or "Channel not found" (a leg ending before its event arrived):
        // the bridge may still be on Asterisk and the call moves to a new one, so nothing would
        // release it. Deleted here (a bridge already gone is not an error).
        if (!deleted) await control.destroyBridge(reused);
        if (!stillUp()) return false;
      }
    }
    const bridgeId = ids.bridge();
    await control.createBridge(bridgeId);
    if (!stillUp()) {
      this.keepOrDestroy(bridgeId); // nothing was put in it
      return false;
    }
    this.track(bridgeId, channels);
    created(bridgeId);
    try {
      await control.addToBridge(bridgeId, channels);
    } catch (err) {
      this.forget(bridgeId);
      throw err;
    }
    return true;
  }

  /**
   * The call in the bridge is over (its legs hung up or being hung up): the bridge is kept for
   * the next call once they are out, else deleted. A bridge the pool does not know (one of an
   * earlier run, adopted) is deleted.
   */
  async release(bridgeId: string): Promise<void> {
    const use = this.inUse.get(bridgeId);
    if (!use || this.opts.maxIdle === 0) {
      this.untrack(bridgeId);
      await this.opts.control.destroyBridge(bridgeId);
      return;
    }
    use.released = true;
    this.settle(bridgeId, use);
  }

  /** Sees every event: the channels leaving a bridge in use. */
  observe(ev: CallEvent): void {
    if (ev.kind !== 'left-bridge') return;
    const use = this.inUse.get(ev.bridgeId);
    if (!use) return;
    use.channels = use.channels.filter((c) => c !== ev.channelId);
    this.settle(ev.bridgeId, use);
  }

  /**
   * The websocket went away: the events saying channels left may be lost. Bridges whose call is
   * over are deleted now; those still in use are deleted at their release. Idle ones stay.
   */
  connectionLost(): void {
    for (const [id, use] of [...this.inUse]) {
      this.untrack(id);
      if (use.released) void this.opts.control.destroyBridge(id).catch(() => undefined);
    }
  }

  /** An idle bridge the pool keeps for the next call (the orphan sweep leaves it alone). */
  holds(bridgeId: string): boolean {
    return this.idle.includes(bridgeId);
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** Bridges of calls not yet over or whose channels are not yet out (for leak checks). */
  get inUseCount(): number {
    return this.inUse.size;
  }

  /**
   * Creates bridges until `count` are idle (at most maxIdle, at most `count` made), one request
   * at a time, so that a call arriving meanwhile waits behind one request at most, never behind
   * a burst. Nobody awaits it on a call's path. The first failure stops it (rejects; calls then
   * create their own, as without warming); a bridge whose creation answer was lost is left to
   * the orphan sweep. Asked again while warming, it returns the warming under way.
   */
  warm(count: number): Promise<void> {
    this.warming ??= this.fill(Math.min(count, this.opts.maxIdle)).finally(
      () => (this.warming = null),
    );
    return this.warming;
  }

  private async fill(target: number): Promise<void> {
    for (let made = 0; made < target && this.idle.length < target && !this.closed; made++) {
      const bridgeId = this.opts.ids.bridge();
      await this.opts.control.createBridge(bridgeId);
      // Made after close: deleted before close() returns (it waits for this).
      if (this.closed) await this.opts.control.destroyBridge(bridgeId);
      else this.keepOrDestroy(bridgeId);
    }
  }

  /**
   * Shutdown: the idle bridges are deleted, those of calls over whose channels were not yet seen
   * leaving too (no event will come now), and one being made is deleted once made.
   */
  async close(): Promise<void> {
    this.closed = true;
    const ids = this.idle.splice(0);
    for (const [id, use] of [...this.inUse])
      if (use.released) {
        this.untrack(id);
        ids.push(id);
      }
    await Promise.allSettled([
      ...ids.map((id) => this.opts.control.destroyBridge(id)),
      this.warming ?? Promise.resolve(),
    ]);
  }

  private track(bridgeId: string, channels: readonly string[]): void {
    this.inUse.set(bridgeId, { channels: [...channels], released: false });
  }

  private untrack(bridgeId: string): void {
    this.inUse.delete(bridgeId);
  }

  /**
   * A failed addChannel: which channels are in is unknown, so the bridge is not reused. Deleted
   * at its release, or now when the call was released while the request was in flight (the leg
   * that hung up is why it failed): nothing would release it again. True when deleted here.
   */
  private forget(bridgeId: string): boolean {
    const released = this.inUse.get(bridgeId)?.released === true;
    this.untrack(bridgeId);
    if (released) void this.opts.control.destroyBridge(bridgeId).catch(() => undefined);
    return released;
  }

  private settle(bridgeId: string, use: InUse): void {
    if (!use.released || use.channels.length > 0) return;
    this.inUse.delete(bridgeId);
    this.keepOrDestroy(bridgeId);
  }

  private keepOrDestroy(bridgeId: string): void {
    // After close nothing is kept: a call ending late still has its bridge deleted.
    if (!this.closed && this.idle.length < this.opts.maxIdle) this.idle.push(bridgeId);
    else void this.opts.control.destroyBridge(bridgeId).catch(() => undefined);
  }
}

/** The bridges of a session without a daemon's pool (tests with a fake switch): one per call. */
export function bridgesFor(
  deps: { bridges?: BridgePool } & Pick<BridgePoolOptions, 'control' | 'ids'>,
): BridgePool {
  return deps.bridges ?? new BridgePool({ control: deps.control, ids: deps.ids, maxIdle: 0 });
}

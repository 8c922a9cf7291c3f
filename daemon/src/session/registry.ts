/**
 * Live call sessions by channel id (A leg, B legs, their Local `;2` halves) and by call-attempt
 * uniqueid. A session binds its channels as it creates them and is dropped when it settles.
 */
import type { UnseenEnd } from './unseen-end.js';

export interface RegisteredSession {
  readonly aChannelId: string;
  /** Call-attempt uniqueids this session holds a reservation for (not yet settled). */
  openUniqueids(): string[];
  readonly finished: Promise<void>;
  kill(reason: string, unseen?: UnseenEnd): Promise<void>;
}

const NONE: readonly string[] = [];

export class SessionRegistry<S extends RegisteredSession = RegisteredSession> {
  private readonly byChannel = new Map<string, S>();
  /**
   * Every live session (in the order added), with the channel ids it bound besides its A leg, so
   * that removal is O(its channels), not O(all channels). One map, not a set and a map: each
   * daemon-wide map costs ~40 bytes per live call in its table.
   */
  private readonly all = new Map<S, readonly string[]>();
  /** See byUniqueid(). */
  private uniqueidIndex: Map<string, S> | null = null;
  /** Open watches of watchRemovals(). */
  private readonly watches = new Set<Set<string>>();

  add(session: S): void {
    this.uniqueidIndex = null;
    if (!this.all.has(session)) this.all.set(session, NONE);
    this.byChannel.set(session.aChannelId, session);
  }

  bind(channelId: string, session: S): void {
    this.byChannel.set(channelId, session);
    // Exact-length arrays (concat; a push or a spread reserves 17 slots, kept for the call's
    // life): 2-4 per call. A session not (or no longer) added is not made live by a late bind.
    const ids = this.all.get(session);
    if (ids) this.all.set(session, ids.concat([channelId]));
  }

  remove(session: S): void {
    this.uniqueidIndex = null;
    const ids = this.all.get(session) ?? NONE;
    this.all.delete(session);
    for (const w of this.watches) w.add(session.aChannelId);
    for (const id of [session.aChannelId, ...ids])
      if (this.byChannel.get(id) === session) this.byChannel.delete(id);
  }

  byChannelId(channelId: string): S | undefined {
    return this.byChannel.get(channelId);
  }

  /**
   * The session holding `uniqueid` open. Jobs look up every live reservation in one synchronous
   * pass (checkpoints, housekeeping): a scan per look-up made that O(calls²), seconds of blocked
   * event loop at 7 000 live calls. So the first look-up indexes all sessions once and the index
   * serves until the current synchronous run ends (dropped in a microtask, and on any change),
   * never across an await, where sessions may have opened or settled attempts.
   */
  byUniqueid(uniqueid: string): S | undefined {
    if (!this.uniqueidIndex) {
      const index = new Map<string, S>();
      for (const s of this.all.keys())
        for (const u of s.openUniqueids()) if (!index.has(u)) index.set(u, s);
      this.uniqueidIndex = index;
      queueMicrotask(() => {
        this.uniqueidIndex = null;
      });
    }
    return this.uniqueidIndex.get(uniqueid);
  }

  /**
   * Collects the A channel ids of the sessions removed (settled) from now until `stop()`: a job
   * that read reservations and then awaited (restart reconciliation) must not take those of a
   * session that settled meanwhile for calls nobody holds.
   */
  watchRemovals(): { ended: ReadonlySet<string>; stop(): void } {
    const ended = new Set<string>();
    this.watches.add(ended);
    return { ended, stop: () => this.watches.delete(ended) };
  }

  sessions(): S[] {
    return [...this.all.keys()];
  }

  get size(): number {
    return this.all.size;
  }

  /** Channel ids bound to some session (for leak checks). */
  get boundChannels(): number {
    return this.byChannel.size;
  }
}

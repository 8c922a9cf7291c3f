/**
 * Live call sessions by channel id (A leg, B legs, their Local `;2` halves) and by call-attempt
 * uniqueid. A session binds its channels as it creates them and is dropped when it settles.
 */
export interface RegisteredSession {
  readonly aChannelId: string;
  /** Call-attempt uniqueids this session holds a reservation for (not yet settled). */
  openUniqueids(): string[];
  readonly finished: Promise<void>;
  kill(reason: string): Promise<void>;
}

export class SessionRegistry<S extends RegisteredSession = RegisteredSession> {
  private readonly byChannel = new Map<string, S>();
  private readonly all = new Set<S>();

  add(session: S): void {
    this.all.add(session);
    this.byChannel.set(session.aChannelId, session);
  }

  bind(channelId: string, session: S): void {
    this.byChannel.set(channelId, session);
  }

  remove(session: S): void {
    this.all.delete(session);
    for (const [id, s] of this.byChannel) if (s === session) this.byChannel.delete(id);
  }

  byChannelId(channelId: string): S | undefined {
    return this.byChannel.get(channelId);
  }

  byUniqueid(uniqueid: string): S | undefined {
    for (const s of this.all) if (s.openUniqueids().includes(uniqueid)) return s;
    return undefined;
  }

  sessions(): S[] {
    return [...this.all];
  }

  get size(): number {
    return this.all.size;
  }

  /** Channel ids bound to some session (for leak checks). */
  get boundChannels(): number {
    return this.byChannel.size;
  }
}

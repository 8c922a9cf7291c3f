/** What the simulator remembers about channels that are gone, for tests that ask "who hung up, when, why". */
import type { HungUpBy } from './model.js';

export interface EndedChannel {
  id: string;
  name: string;
  /** 'inbound' = the caller's Stasis channel, 'outbound' = an originated leg, 'half' = the other side of a Local pair. */
  kind: 'inbound' | 'outbound' | 'half';
  /** Dialled number (outbound) or extension (inbound). */
  number: string;
  createdAt: number;
  answeredAt?: number;
  /** Sim-clock time of ChannelDestroyed. */
  endedAt: number;
  cause: number;
  causeTxt: string;
  hungUpBy: HungUpBy;
  /** The TIMEOUT(absolute) deadline the channel had when it ended, if any. */
  absoluteDeadline?: number;
  /** The last bridge the channel was in, if any. */
  bridgeId?: string;
  /** The channels that were in that bridge with it. */
  bridgedWith?: string[];
}

export class ChannelHistory {
  private readonly byId = new Map<string, EndedChannel>();
  private readonly order: EndedChannel[] = [];

  constructor(private readonly limit: number) {}

  add(entry: EndedChannel): void {
    this.byId.set(entry.id, entry);
    this.order.push(entry);
    if (this.order.length > this.limit) {
      const old = this.order.shift();
      if (old && this.byId.get(old.id) === old) this.byId.delete(old.id);
    }
  }

  get(id: string): EndedChannel | undefined {
    return this.byId.get(id);
  }

  all(): readonly EndedChannel[] {
    return this.order;
  }
}

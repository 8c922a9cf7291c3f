/**
 * The websocket as the chaos run disturbs it: every event frame of one simulator passes here.
 * A frame can be sent twice (a duplicate) or held back and sent after the next frame about
 * another channel (a late event: Asterisk orders events per channel, not across channels).
 * Frames sent are counted, so that the run knows when the daemon has read everything.
 */
import type { AriSimulator } from '../../daemon/src/sim/index.js';

interface Held {
  data: string;
  channel: string | null;
  send: (d: string) => void;
}

const channelOf = (data: string): string | null => {
  const m = /"channel":\{"id":"([^"]+)"/.exec(data);
  return m ? m[1]! : null;
};

export class ChaosWire {
  /** Frames handed to the websocket. */
  sent = 0;
  private duplicates = 0;
  private lates = 0;
  private held: Held | null = null;

  constructor(sim: AriSimulator) {
    sim.setWire((data, send) => this.pass(data, send));
  }

  /** The next `n` frames are sent twice. */
  duplicateNext(n: number): void {
    this.duplicates += n;
  }

  /** The next `n` frames are each held back behind the frame after them (other channel). */
  delayNext(n: number): void {
    this.lates += n;
  }

  get holding(): boolean {
    return this.held !== null;
  }

  /** Sends a held frame now (nothing followed it within the step). */
  flush(): void {
    const h = this.held;
    this.held = null;
    if (h) this.out(h.data, h.send);
  }

  private out(data: string, send: (d: string) => void): void {
    this.sent += 1;
    send(data);
  }

  private pass(data: string, send: (d: string) => void): void {
    const channel = channelOf(data);
    const h = this.held;
    if (h) {
      this.held = null;
      if (
        h.channel !== null &&
        channel !== null &&
        h.channel !== channel &&
        !data.includes(h.channel)
      ) {
        this.out(data, send);
        this.out(h.data, h.send);
        return;
      }
      this.out(h.data, h.send);
    }
    if (this.lates > 0 && channel !== null) {
      this.lates -= 1;
      this.held = { data, channel, send };
      return;
    }
    this.out(data, send);
    if (this.duplicates > 0) {
      this.duplicates -= 1;
      this.out(data, send);
    }
  }
}

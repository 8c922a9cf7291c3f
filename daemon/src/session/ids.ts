/**
 * Ids astbill chooses for what it creates in Asterisk (B legs, bridges, playbacks), so that
 * events arriving before the HTTP response still match, and leftovers after a crash are
 * recognisable: every id starts with `astbill-<node>-`.
 */
export class IdFactory {
  private seq = 0;
  readonly prefix: string;
  private readonly boot: string;

  constructor(node: string, boot: string = Date.now().toString(36)) {
    this.prefix = `astbill-${node}-`;
    this.boot = boot;
  }

  private next(): string {
    this.seq += 1;
    return `${this.prefix}${this.boot}-${this.seq}`;
  }

  /** Ids of a B leg: ours (`;1` of a Local channel) and its `;2` half. */
  leg(): { channelId: string; otherChannelId: string } {
    const id = this.next();
    return { channelId: id, otherChannelId: `${id}-2` };
  }

  bridge(): string {
    return `${this.next()}-bridge`;
  }

  playback(): string {
    return `${this.next()}-pb`;
  }

  /** Made by astbill on this node (this run or an earlier one). */
  isOurs(id: string): boolean {
    return id.startsWith(this.prefix);
  }

  /** What every id of this very run starts with (`astbill-<node>-<boot>-`). */
  get runPrefix(): string {
    return `${this.prefix}${this.boot}-`;
  }

  /** Made by this very run of the daemon. */
  isThisRun(id: string): boolean {
    return id.startsWith(this.runPrefix);
  }
}

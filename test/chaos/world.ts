/**
 * The world of one chaos run: one shared fake clock, one or two Asterisk boxes (simulator +
 * daemon) on one database, and the quiescence rule that makes a run repeatable over real
 * sockets: the clock only moves when nothing is under way (no store call, no REST request on
 * either side, no work the runner started, every event frame sent has been read by the daemon).
 */
import type { Daemon } from '../../daemon/src/daemon.js';
import { createLogger } from '../../daemon/src/log.js';
import type { Journal } from '../../daemon/src/resilience/journal.js';
import type { ResilientStore } from '../../daemon/src/resilience/resilient-store.js';
import { AriSimulator, ManualClock, type FarEndRule } from '../../daemon/src/sim/index.js';
import type { TestDatabase, TestStore } from '../support/db.js';
import { Box } from './box.js';
import { ChaosWire } from './wire.js';

export interface WorldOptions {
  tdb: TestDatabase;
  startTime: number;
  boxes: number;
  rules: FarEndRule[];
  env: Record<string, string>;
  slowMs: number;
}

interface Seat {
  box: Box;
  wire: ChaosWire;
  /** Frames the daemon will never read (sent to a socket that was gone), learnt at quiescence. */
  lost: number;
  /** Events read by daemons of this box that crashed (their counters are gone with them). */
  readBefore: number;
  /** Events the simulator published (quiescence signature). */
  published: number;
}

/** The daemon's settlement journal, when its store is the resilient one. */
const journalOf = (d: Daemon): Journal | undefined =>
  (d.billingStore as Partial<ResilientStore>).journal;

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class World {
  readonly clock: ManualClock;
  readonly seats: Seat[] = [];
  t!: TestStore;
  /** Work the runner started and waits for (callback orders, housekeeping sweeps, top-ups). */
  private readonly pending = new Set<Promise<unknown>>();
  private tracked = 0;
  private lastTroubled = 0;

  private troubled(): number {
    return this.seats.reduce((n, s) => n + (s.box.faulty?.troubled ?? 0), 0);
  }

  private constructor(readonly o: WorldOptions) {
    this.clock = new ManualClock(o.startTime);
  }

  static async start(o: WorldOptions): Promise<World> {
    const w = new World(o);
    w.t = await o.tdb.open();
    const logger = createLogger(process.env.ASTBILL_CHAOS_LOG ?? 'error', {
      silent: !process.env.ASTBILL_CHAOS_LOG,
    });
    for (let i = 0; i < o.boxes; i++) {
      const sim = await AriSimulator.start({
        clock: w.clock,
        rules: o.rules,
        asteriskId: `02:00:5e:00:53:0${i + 1}`,
        systemName: `pbx${i + 1}`,
      });
      const box = new Box({
        sim,
        tdb: o.tdb,
        node: `chaos${i + 1}`,
        logger,
        env: o.env,
        slowMs: o.slowMs,
      });
      const seat: Seat = { box, wire: new ChaosWire(sim), lost: 0, readBefore: 0, published: 0 };
      sim.engine.on('event', () => void (seat.published += 1));
      w.seats.push(seat);
    }
    for (const s of w.seats) await s.box.boot();
    await w.quiesce();
    return w;
  }

  get boxes(): Box[] {
    return this.seats.map((s) => s.box);
  }

  /** Runs `work` as part of the world (quiescence waits for it); failures are the caller's to catch. */
  track<T>(work: Promise<T>): Promise<T> {
    this.tracked += 1;
    this.pending.add(work);
    const done = (): void => void this.pending.delete(work);
    work.then(done, done);
    return work;
  }

  /** Store calls so far (the daemons' and the runner's), as a token that changes with every one. */
  storeCalls(): string {
    return `${this.tracked}:${this.seats.map((s) => `${s.box.incarnations}.${s.box.faulty?.calls ?? 0}.${s.box.ops?.calls ?? 0}`).join(',')}`;
  }

  /** A crash of box `i`: what its daemon had read so far is kept for the frame count. */
  async crash(i: number): Promise<void> {
    const seat = this.seats[i]!;
    seat.readBefore += seat.box.daemon?.ari.stats().eventsReceived ?? 0;
    await seat.box.crash();
  }

  private busy(): boolean {
    if (this.pending.size > 0) return true;
    for (const s of this.seats) {
      if (s.wire.holding) s.wire.flush();
      if (s.box.sim.restInFlight > 0) return true;
      if ((s.box.faulty?.inFlight ?? 0) > 0 || (s.box.ops?.inFlight ?? 0) > 0) return true;
      const d = s.box.daemon;
      if (d && d.ari.stats().requestsInFlight > 0) return true;
      // The journal's file writes (after a failed store call) come before the daemon's next step.
      if (d && journalOf(d)?.writesInFlight) return true;
    }
    return false;
  }

  /** Frames sent but not read yet, per seat (0 everywhere when the daemons have read all). */
  private unread(): number[] {
    return this.seats.map((s) => {
      const read = s.readBefore + (s.box.daemon?.ari.stats().eventsReceived ?? 0);
      return s.wire.sent - s.lost - read;
    });
  }

  private signature(): string {
    return this.seats
      .map((s) => {
        const d = s.box.daemon;
        return [
          s.wire.sent,
          s.box.faulty?.calls ?? 0,
          s.box.ops?.calls ?? 0,
          d?.ari.stats().eventsReceived ?? -1,
          s.published,
        ].join(':');
      })
      .join('|');
  }

  /**
   * Waits until nothing is under way. Frames that never arrive (sent into a dropping socket)
   * are recognised after 60 ms of complete stillness and counted as lost.
   */
  async quiesce(limitMs = 30_000): Promise<void> {
    const deadline = Date.now() + limitMs;
    let still = 0;
    let last = '';
    for (;;) {
      await tick();
      await tick();
      const sig = this.signature();
      const busy = this.busy();
      const unread = this.unread();
      if (!busy && unread.every((n) => n === 0)) {
        // A reaction may be one macrotask behind the last frame: look once more. After a failed
        // or slow store call the daemon writes its journal (file I/O): give that longer.
        const troubled = this.troubled();
        await pause(troubled !== this.lastTroubled ? 25 : 1);
        if (!this.busy() && this.signature() === sig) {
          this.lastTroubled = troubled;
          return;
        }
        continue;
      }
      if (!busy && sig === last) {
        still += 1;
        if (still >= 30) {
          unread.forEach((n, i) => {
            if (n > 0) this.seats[i]!.lost += n;
          });
          still = 0;
        }
        await pause(2);
      } else {
        still = 0;
        await pause(unread.some((n) => n > 0) ? 0 : 1);
      }
      last = sig;
      if (Date.now() > deadline)
        throw new Error(`the run did not come to rest (${this.explain()})`);
    }
  }

  private explain(): string {
    return (
      this.seats
        .map(
          (s, i) =>
            `box ${i + 1}: rest ${s.box.sim.restInFlight}, store ${s.box.faulty?.inFlight ?? 0}, ` +
            `daemon rest ${s.box.daemon?.ari.stats().requestsInFlight ?? '-'}, unread ${this.unread()[i]}`,
        )
        .join('; ') + `; runner work ${this.pending.size}`
    );
  }

  /** Waits (real time, the clock standing still) until `predicate` holds. */
  async until(what: string, predicate: () => boolean, limitMs = 10_000): Promise<void> {
    const deadline = Date.now() + limitMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await pause(2);
    }
  }

  /**
   * Shuts the daemons down, the clock moving meanwhile: a shutdown's waits (the hang-up of a call
   * still up, the drain) run on the fake clock, and with it standing still a call whose end never
   * comes would keep the run from ever finishing (seed 35 once never ended). Bounded: a shutdown
   * that outlasts 10 simulated minutes is an error, not a hang.
   */
  async close(): Promise<void> {
    let done = false;
    const closing = (async () => {
      for (const s of this.seats) await s.box.close();
    })().finally(() => (done = true));
    for (let i = 0; !done; i++) {
      if (i >= 600) throw new Error(`the daemons did not shut down (${this.explain()})`);
      await Promise.race([closing, pause(5)]);
      if (!done) this.clock.advance(1000);
    }
    await closing;
    for (const s of this.seats) await s.box.sim.close();
  }
}

/**
 * One Asterisk box of a chaos run: an ARI simulator (on the run's shared fake clock) and the
 * real daemon billing its calls, composed as `astbill start` composes it (daemon.ts), with its
 * store behind a FaultyStore. A crash drops the daemon's memory (timers frozen, store fenced,
 * websocket gone) and keeps what a real crash keeps: the database, the channels still up in
 * Asterisk, and the journal as it was on disk; `restart()` starts a new daemon on them.
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../daemon/src/config.js';
import { startDaemon, type Daemon } from '../../daemon/src/daemon.js';
import type { Logger } from '../../daemon/src/log.js';
import type { ReplayTimer } from '../../daemon/src/resilience/replayer.js';
import type { DaemonClock } from '../../daemon/src/session/clock.js';
import type { KnexBillingStore } from '../../daemon/src/store/knex-store.js';
import type { AriSimulator, ManualClock } from '../../daemon/src/sim/index.js';
import type { TestDatabase, TestStore } from '../support/db.js';
import { FaultyStore } from './store-faults.js';

/** The daemon's clock: the simulator's, frozen by a crash, shifted by a clock step. */
export class ChaosClock implements DaemonClock {
  private stopped = false;
  /** What a clock step added to wall time (timers are monotonic and do not move). */
  offsetMs = 0;

  constructor(private readonly clock: ManualClock) {}

  now(): Date {
    return new Date(this.clock.now() + this.offsetMs);
  }

  monotonicMs(): number {
    return this.clock.now();
  }

  setTimer(ms: number, fn: () => void): { cancel(): void } {
    return this.clock.setTimer(ms, () => {
      if (!this.stopped) fn();
    });
  }

  stop(): void {
    this.stopped = true;
  }

  /** The journal replayer's interval on this clock. */
  replayTimer(): ReplayTimer {
    return {
      setInterval: (fn, ms) => {
        const handle = { live: true };
        const arm = (): void => {
          this.setTimer(ms, () => {
            if (!handle.live) return;
            fn();
            arm();
          });
        };
        arm();
        return handle;
      },
      clearInterval: (h) => {
        (h as { live: boolean }).live = false;
      },
    };
  }
}

export interface BoxOptions {
  sim: AriSimulator;
  tdb: TestDatabase;
  node: string;
  logger: Logger;
  /** Extra settings (ASTBILL_*). */
  env: Record<string, string>;
  /** Real ms a slow store call takes. */
  slowMs: number;
}

export class Box {
  daemon: Daemon | null = null;
  faulty: FaultyStore | null = null;
  /** The knex store behind grants, callbacks and the API, counted (and fenced) the same way. */
  ops: FaultyStore | null = null;
  clock: ChaosClock | null = null;
  incarnations = 0;
  private journalDir = mkdtempSync(join(tmpdir(), 'astbill-chaos-journal-'));
  /** Handles of every incarnation (closed at the end; a crashed one's pool is not reused). */
  private readonly handles: TestStore[] = [];
  /** Daemons that crashed: never closed (a dead process does not shut down), only abandoned. */
  private readonly dead: Daemon[] = [];

  constructor(readonly o: BoxOptions) {}

  get sim(): AriSimulator {
    return this.o.sim;
  }

  get up(): boolean {
    return this.daemon !== null;
  }

  async boot(): Promise<void> {
    const t = await this.o.tdb.open();
    this.handles.push(t);
    this.faulty = new FaultyStore(t.store, this.o.slowMs);
    this.ops = new FaultyStore(t.store, this.o.slowMs);
    this.clock = new ChaosClock(this.o.sim.manualClock);
    this.incarnations += 1;
    const config = loadConfig({
      ASTBILL_DB: this.o.tdb.url,
      ARI_URL: this.o.sim.url,
      ARI_USERNAME: this.o.sim.username,
      ARI_PASSWORD: this.o.sim.password,
      ARI_APP: 'astbill',
      ASTBILL_DIAL: 'Local/{number}@pstn-sim',
      ASTBILL_NODE: this.o.node,
      ASTBILL_ANNOUNCE: 'false',
      ASTBILL_WARN_BEFORE: '0',
      ASTBILL_JOURNAL_DIR: this.journalDir,
      ...this.o.env,
    });
    this.daemon = await startDaemon(
      config,
      {
        store: this.faulty.store,
        // A proxy of the knex store is still one (instanceof), so grants and callbacks use it.
        operatorStore: this.ops.store as KnexBillingStore,
        logger: this.o.logger,
        clock: this.clock,
        replayTimer: this.clock.replayTimer(),
        bootId: `${this.o.sim.manualClock.now().toString(36)}i${this.incarnations}`,
        housekeeping: false,
        drainSeconds: 0,
        // The seeds' recorded runs predate bridges made ahead of calls.
        bridgeWarm: 0,
        ari: {
          requestTimeoutMs: 400,
          connectTimeoutMs: 3000,
          pingIntervalMs: 0,
          backoffBaseMs: 5,
          backoffMaxMs: 20,
        },
      },
      { waitForAsteriskMs: 5000 },
    );
    await this.connectChecks(0);
  }

  /** Waits until the daemon has connected and finished its post-connect checks more than `before` times. */
  async connectChecks(before: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!this.daemon || this.daemon.connectChecksDone <= before) {
      if (Date.now() > deadline) throw new Error(`${this.o.node}: no ARI connection`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** kill -9: memory gone; the journal survives as it is on disk now. */
  async crash(): Promise<void> {
    const d = this.daemon;
    if (!d) return;
    this.daemon = null;
    this.faulty?.fence();
    this.ops?.fence();
    this.clock?.stop();
    const survivor = mkdtempSync(join(tmpdir(), 'astbill-chaos-journal-'));
    cpSync(this.journalDir, survivor, { recursive: true });
    this.journalDir = survivor;
    this.dead.push(d);
    // Whatever the dead process still had in its sockets must not reach Asterisk.
    this.o.sim.rotatePassword(`chaos-${this.incarnations}`);
    await d.ari.close();
  }

  /** Waits until the (re)started daemon's websocket is up in the simulator. */
  connected(): boolean {
    return this.daemon !== null && this.o.sim.appConnected('astbill') && this.daemon.ari.connected;
  }

  async close(): Promise<void> {
    if (this.daemon) await this.daemon.close({ drainSeconds: 0 });
    this.daemon = null;
    for (const d of this.dead.splice(0)) await d.abandon();
  }
}

/**
 * The faults of a chaos run, chosen by its Rng before each step: a daemon crash (restarted some
 * steps later), database errors, slow calls past the deadline, database outages, websocket drops
 * (reconnection refused for a while), REST 500s and REST answers slower than the daemon waits,
 * duplicated and late events, wall-clock steps. Windows in which a box's daemon could not see
 * its calls (down, or without a websocket) are kept for the billsec checks.
 */
import type { Rng } from './rng.js';
import type { World } from './world.js';

export const FAULT_KINDS = [
  'crash',
  'db-error',
  'db-slow',
  'db-outage',
  'ws-drop',
  'rest-500',
  'rest-timeout',
  'event-duplicate',
  'event-late',
  'clock-step',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const WEIGHTS: Record<FaultKind, number> = {
  crash: 1,
  'db-error': 3,
  'db-slow': 2,
  'db-outage': 1,
  'ws-drop': 2,
  'rest-500': 3,
  'rest-timeout': 2,
  'event-duplicate': 2,
  'event-late': 3,
  'clock-step': 1,
};

/** REST calls a fault may hit (never the websocket upgrade). */
const REST = /^\/(channels|bridges|playbacks)/;

export interface FaultEvent {
  step: number;
  at: number;
  kind: FaultKind;
  box: number;
  detail: string;
}

/** A stretch of sim time in which a box's daemon did not see its calls (to: null while it lasts). */
export interface BlindWindow {
  box: number;
  from: number;
  to: number | null;
}

interface Pending {
  box: number;
  untilStep: number;
  end: () => Promise<void>;
}

export class FaultPlan {
  readonly counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  readonly events: FaultEvent[] = [];
  readonly blind: BlindWindow[] = [];
  /** Sim times of database faults (an answer mark may be lost: what is proven gets weaker). */
  readonly dbFaultTimes: number[] = [];
  private pending: Pending[] = [];
  private outage = false;

  constructor(
    private readonly world: World,
    private readonly rng: Rng,
    /** Chance of a fault before a step. */
    private readonly rate: number,
  ) {}

  private note(step: number, kind: FaultKind, box: number, detail: string): void {
    this.counts[kind] += 1;
    this.events.push({ step, at: this.world.clock.now(), kind, box, detail });
  }

  /** Maybe injects one fault before `step`. */
  async before(step: number): Promise<void> {
    if (!this.rng.chance(this.rate)) return;
    const kind = this.rng.weighted(WEIGHTS);
    const box = this.rng.int(0, this.world.boxes.length - 1);
    const b = this.world.boxes[box]!;
    const now = this.world.clock.now();
    switch (kind) {
      case 'crash': {
        if (!b.up || this.pending.some((p) => p.box === box)) return;
        const steps = this.rng.int(0, 60);
        this.note(step, kind, box, `down for ${steps} steps`);
        const window: BlindWindow = { box, from: now, to: null };
        this.blind.push(window);
        await this.world.crash(box);
        this.pending.push({
          box,
          untilStep: step + steps,
          end: async () => {
            await b.boot();
            if (this.outage) b.faulty?.setOutage(true);
            if (this.outage) b.ops?.setOutage(true);
            window.to = this.world.clock.now();
          },
        });
        return;
      }
      case 'ws-drop': {
        if (!b.up || this.pending.some((p) => p.box === box)) return;
        const steps = this.rng.int(0, 30);
        this.note(step, kind, box, `no websocket for ${steps} steps`);
        const window: BlindWindow = { box, from: now, to: null };
        this.blind.push(window);
        const incarnation = b.incarnations;
        const off = b.sim.faults.add({ method: 'GET', path: '/events', status: 503 });
        const checks = b.daemon?.connectChecksDone ?? 0;
        b.sim.dropWebsockets('astbill');
        await this.world.until('the daemon notices', () => !b.daemon?.ari.connected);
        this.pending.push({
          box,
          untilStep: step + steps,
          end: async () => {
            off();
            // The same daemon (unless it crashed meanwhile: then its restart connected it).
            if (b.incarnations === incarnation) await b.connectChecks(checks);
            window.to = this.world.clock.now();
          },
        });
        return;
      }
      case 'db-error':
      case 'db-slow': {
        if (!b.faulty) return;
        const f =
          kind === 'db-error' ? 'error' : this.rng.pick(['slow-before', 'slow-after'] as const);
        const nth = this.rng.int(0, 3);
        for (let i = 0; i < nth; i++) b.faulty.inject('none');
        b.faulty.inject(f);
        this.note(step, kind, box, `${f} on store call +${nth}`);
        this.dbFaultTimes.push(now);
        return;
      }
      case 'db-outage': {
        if (this.outage) return;
        const steps = this.rng.int(1, 60);
        this.note(step, kind, -1, `database down for ${steps} steps`);
        this.outage = true;
        this.dbFaultTimes.push(now);
        for (const x of this.world.boxes) for (const f of [x.faulty, x.ops]) f?.setOutage(true);
        this.pending.push({
          box: -1,
          untilStep: step + steps,
          end: async () => {
            this.outage = false;
            for (const x of this.world.boxes)
              for (const f of [x.faulty, x.ops]) f?.setOutage(false);
            this.dbFaultTimes.push(this.world.clock.now());
          },
        });
        return;
      }
      case 'rest-500': {
        const method = this.rng.pick(['POST', 'DELETE', 'GET']);
        b.sim.faults.add({ method, path: REST, status: 500, times: 1 });
        this.note(step, kind, box, `next ${method}`);
        return;
      }
      case 'rest-timeout': {
        const method = this.rng.pick(['POST', 'DELETE']);
        b.sim.faults.add({ method, path: REST, delayMs: 600, times: 1 });
        this.note(step, kind, box, `next ${method} answered after the daemon gave up`);
        return;
      }
      case 'event-duplicate': {
        const n = this.rng.int(1, 3);
        this.world.seats[box]!.wire.duplicateNext(n);
        this.note(step, kind, box, `next ${n} frames twice`);
        return;
      }
      case 'event-late': {
        const n = this.rng.int(1, 4);
        this.world.seats[box]!.wire.delayNext(n);
        this.note(step, kind, box, `next ${n} frames late`);
        return;
      }
      case 'clock-step': {
        if (!b.clock) return;
        const ms = this.rng.pick([-60_000, -5000, 5000, 60_000, 3_600_000]);
        b.clock.offsetMs += ms;
        this.note(step, kind, box, `wall clock ${ms > 0 ? '+' : ''}${ms} ms`);
        return;
      }
    }
  }

  /** Ends the faults whose time is up after `step`; true when one did. */
  async after(step: number): Promise<boolean> {
    const due = this.pending.filter((p) => p.untilStep <= step);
    this.pending = this.pending.filter((p) => p.untilStep > step);
    for (const p of due) await p.end();
    return due.length > 0;
  }

  /** Ends every fault still going (restarts, reconnects, the database back). */
  async heal(): Promise<void> {
    await this.after(Number.POSITIVE_INFINITY);
    for (const b of this.world.boxes) b.sim.faults.clear();
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}

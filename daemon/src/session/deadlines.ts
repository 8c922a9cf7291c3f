/**
 * One clock timer for all the long waits of a daemon (each live call's limit), instead of one
 * timer each: a Node Timeout with its callback and handle costs ~0.25 KiB per live call. The
 * deadlines wait in a binary heap ordered by due time (on the clock's monotonic milliseconds);
 * the clock timer is set for the earliest one, and when it fires every deadline then due expires.
 */
import type { DaemonClock, TimerHandle } from './clock.js';

/** What waits in a Deadlines queue: its due time and place, kept by the queue. */
export interface Deadline {
  /** Monotonic milliseconds when it expires (set by the queue). */
  due: number;
  /** Its index in the heap; -1 when it is not waiting. */
  slot: number;
  expire(): void;
}

export class Deadlines {
  private readonly heap: Deadline[] = [];
  private timer: TimerHandle | null = null;
  private timerDue = Infinity;

  constructor(private readonly clock: DaemonClock) {}

  /** Makes `d` expire in `inMs` (it must not be waiting already). */
  add(d: Deadline, inMs: number): void {
    this.addAt(d, this.clock.monotonicMs() + Math.max(0, inMs));
  }

  /** Makes `d` expire at `due` (the clock's monotonic milliseconds). */
  addAt(d: Deadline, due: number): void {
    d.due = due;
    d.slot = this.heap.length;
    this.heap.push(d);
    this.up(d.slot);
    this.arm();
  }

  /** Takes `d` out (it will not expire); a no-op when it is not waiting. */
  remove(d: Deadline): void {
    const i = d.slot;
    if (i < 0) return;
    d.slot = -1;
    const last = this.heap.pop()!;
    if (last !== d) {
      this.heap[i] = last;
      last.slot = i;
      this.down(i);
      this.up(last.slot);
    }
    if (this.heap.length === 0) {
      // Nothing left to wait for: the clock timer goes too. Otherwise it fires, finds nothing
      // due yet and is set again for the earliest deadline.
      this.timer?.cancel();
      this.timer = null;
      this.timerDue = Infinity;
    }
  }

  /** Deadlines waiting (for leak checks). */
  get size(): number {
    return this.heap.length;
  }

  private arm(): void {
    const first = this.heap[0];
    if (!first || (this.timer && first.due >= this.timerDue)) return;
    this.timer?.cancel();
    this.timerDue = first.due;
    const inMs = Math.max(0, first.due - this.clock.monotonicMs());
    this.timer = this.clock.setTimer(inMs, () => this.run());
  }

  private run(): void {
    this.timer = null;
    this.timerDue = Infinity;
    const now = this.clock.monotonicMs();
    for (let d = this.heap[0]; d !== undefined && d.due <= now; d = this.heap[0]) {
      this.remove(d);
      try {
        d.expire();
      } catch (err) {
        // As from a timer of its own: the failure surfaces, the other deadlines still expire.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
    this.arm();
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.due <= h[i]!.due) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (l < h.length && h[l]!.due < h[least]!.due) least = l;
      if (r < h.length && h[r]!.due < h[least]!.due) least = r;
      if (least === i) return;
      this.swap(i, least);
      i = least;
    }
  }

  private swap(i: number, j: number): void {
    const h = this.heap;
    const a = h[i]!;
    const b = h[j]!;
    h[i] = b;
    h[j] = a;
    a.slot = j;
    b.slot = i;
  }
}

const byClock = new WeakMap<DaemonClock, Deadlines>();

/** The one queue of `clock` (every LimitTimer on it shares it). */
export function deadlinesOf(clock: DaemonClock): Deadlines {
  let q = byClock.get(clock);
  if (!q) byClock.set(clock, (q = new Deadlines(clock)));
  return q;
}

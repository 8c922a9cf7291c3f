/**
 * Time source for every simulator timer and event timestamp. `RealClock` follows wall time for the
 * demo and `astbill sim`; `ManualClock` only moves when a test calls `advance(ms)`, so an hour-long
 * call is simulated in milliseconds and every timer fires in a reproducible order.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  readonly kind: 'real' | 'manual';
  /** Milliseconds since the epoch, as the simulated Asterisk sees it. */
  now(): number;
  /** Runs `fn` once `ms` have passed on this clock. */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

export class RealClock implements Clock {
  readonly kind = 'real' as const;
  now(): number {
    return Date.now();
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  }
}

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A fake clock: timers live in a binary heap ordered by (due time, creation order). */
export class ManualClock implements Clock {
  readonly kind = 'manual' as const;
  private current: number;
  private seq = 0;
  private heap: Pending[] = [];

  constructor(startMs: number = Date.now()) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const p: Pending = {
      at: this.current + Math.max(0, ms),
      seq: this.seq++,
      fn,
      cancelled: false,
    };
    this.push(p);
    return {
      cancel: () => {
        p.cancelled = true;
      },
    };
  }

  /** When the next live timer is due (null: none), so that a driver can jump straight to it. */
  nextDue(): number | null {
    while (this.heap[0]?.cancelled) this.pop();
    return this.heap[0]?.at ?? null;
  }

  /** Number of timers still waiting (cancelled ones may be counted until they are popped). */
  get pendingTimers(): number {
    return this.heap.length;
  }

  /**
   * Moves time forward by `ms`, firing every due timer in order; timers created while advancing
   * fire too when they fall inside the window. Returns how many timers fired.
   */
  advance(ms: number): number {
    const target = this.current + Math.max(0, ms);
    let fired = 0;
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > target) break;
      this.pop();
      if (top.cancelled) continue;
      this.current = Math.max(this.current, top.at);
      fired++;
      top.fn();
    }
    this.current = target;
    return fired;
  }

  /** Advances to the absolute time `ms` (no-op when it is in the past). */
  advanceTo(ms: number): number {
    return this.advance(Math.max(0, ms - this.current));
  }

  private less(a: Pending, b: Pending): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(p: Pending): void {
    const h = this.heap;
    h.push(p);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/** Asterisk's timestamp format: ISO 8601 with milliseconds and a +0000 offset. */
export function asteriskTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

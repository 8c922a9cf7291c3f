/**
 * Percentiles over integer microsecond samples. Samples are kept in a growable typed array (no
 * per-sample object) and sorted once when summarised.
 */

export interface Summary {
  count: number;
  /** All values in microseconds. */
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export class Samples {
  private data = new Float64Array(1024);
  private n = 0;

  /** Adds one sample in microseconds (rounded to an integer). */
  add(us: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = Math.round(us);
  }

  /** Adds the time since `startMs` (a performance.now() reading), in microseconds. */
  addSince(startMs: number, nowMs: number = performance.now()): void {
    this.add((nowMs - startMs) * 1000);
  }

  get count(): number {
    return this.n;
  }

  summary(): Summary {
    return summarise(this.data.subarray(0, this.n));
  }
}

/** Nearest-rank percentile (p in 0..100) of an ascending array; 0 when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarise(values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return {
    count: n,
    min: n ? sorted[0]! : 0,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: n ? sorted[n - 1]! : 0,
    mean: n ? Math.round(sum / n) : 0,
  };
}

/** Microseconds as milliseconds with 2 decimals, e.g. 1234 -> '1.23'. */
export function ms(us: number): string {
  return (us / 1000).toFixed(2);
}

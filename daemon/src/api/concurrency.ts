/**
 * Concurrent calls over the last hour, for the dashboard's chart: the peak number of live
 * reservations (all nodes) seen in each minute. Sampled here on a timer and at every dashboard
 * read, kept in memory only: a restarted daemon starts a new hour (minutes before it are null,
 * shown as gaps, never as zero). Prometheus' astbill_live_calls is the durable history.
 */
const MINUTE = 60_000;
export const CHART_MINUTES = 60;
/** How often the timer samples when nobody reads the dashboard. */
export const SAMPLE_MS = 10_000;

export class ConcurrencySampler {
  private readonly peaks = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly read: () => Promise<number>,
    private readonly everyMs = SAMPLE_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    const tick = () => void this.sample();
    tick();
    this.timer = setInterval(tick, this.everyMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sample now; a database that does not answer leaves the minute as it was. */
  async sample(at = Date.now()): Promise<void> {
    try {
      this.observe(await this.read(), at);
    } catch {
      // The dashboard shows the database as down; a missing sample is a gap, not a zero.
    }
  }

  observe(calls: number, at = Date.now()): void {
    const minute = Math.floor(at / MINUTE);
    this.peaks.set(minute, Math.max(this.peaks.get(minute) ?? 0, calls));
    for (const m of this.peaks.keys()) if (m <= minute - CHART_MINUTES) this.peaks.delete(m);
  }

  /** The peak of each of the last 60 minutes, oldest first (null: not sampled). */
  series(at = Date.now()): Array<number | null> {
    const now = Math.floor(at / MINUTE);
    return Array.from(
      { length: CHART_MINUTES },
      (_, i) => this.peaks.get(now - CHART_MINUTES + 1 + i) ?? null,
    );
  }
}

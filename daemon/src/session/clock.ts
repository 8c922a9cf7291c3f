/**
 * The daemon's own time source for its timers (limit, digit timeout, ring guard). Tests inject
 * a fake; billing never uses it for billsec (Asterisk's event timestamps do that).
 */
export interface TimerHandle {
  cancel(): void;
}

export interface DaemonClock {
  /** Wall time (may step: NTP, an operator). */
  now(): Date;
  /** Milliseconds on a clock that never steps (elapsed time; timers run on it). */
  monotonicMs(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
}

/** A timer's handle as a class (a closure and its scope per timer cost ~3× as much; a live call keeps one). */
class SystemTimer implements TimerHandle {
  constructor(private readonly t: ReturnType<typeof setTimeout>) {}

  cancel(): void {
    clearTimeout(this.t);
  }
}

export const systemClock: DaemonClock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return new SystemTimer(t);
  },
};

/** Resolves after `ms` on `clock`, or at once when `signal` aborts. */
export function sleep(clock: DaemonClock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      h.cancel();
      resolve();
    };
    const h = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

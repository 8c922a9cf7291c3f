/**
 * What the daemon has under way: store calls and ARI requests in flight. `idle()` resolves once
 * none is, checked again after one macrotask so that the continuation of the last one (which
 * may start the next call) has run. Tests synchronise on it instead of sleeping; close() could
 * too. Timers and waits for events are not activity: a call waiting for Asterisk is at rest.
 */
export class Activity {
  private inFlight = 0;
  private waiters: Array<() => void> = [];

  /** Counts `work` as under way until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight += 1;
    const done = (): void => {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const w of this.waiters.splice(0)) w();
    };
    work.then(done, done);
    return work;
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** `target` with every method's promise counted (a store handed to sessions and jobs). */
  wrap<T extends object>(target: T): T {
    const cache = new Map<PropertyKey, unknown>();
    return new Proxy(target, {
      get: (t, prop) => {
        const value: unknown = Reflect.get(t, prop, t);
        if (typeof value !== 'function') return value;
        let wrapped = cache.get(prop);
        if (!wrapped) {
          const fn = value as (...args: unknown[]) => unknown;
          wrapped = (...args: unknown[]): unknown => {
            const out = fn.apply(t, args);
            return out instanceof Promise ? this.track(out) : out;
          };
          cache.set(prop, wrapped);
        }
        return wrapped;
      },
    });
  }

  /** Resolves when nothing is in flight (and nothing new started within one macrotask). */
  async idle(): Promise<void> {
    for (;;) {
      while (this.inFlight > 0) await new Promise<void>((r) => this.waiters.push(r));
      await new Promise<void>((r) => setImmediate(r));
      if (this.inFlight === 0) return;
    }
  }
}

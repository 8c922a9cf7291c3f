/**
 * The database as the chaos run breaks it: a proxy in front of the real store that the daemon
 * bills through. It counts calls under way (quiescence), fails the next calls on demand (a
 * deadlock, a lost connection), makes them slow past the daemon's deadline (before the write:
 * the daemon gives up and the write lands later; after it: committed, the answer comes late),
 * refuses everything during an outage, and, once its daemon has "crashed", swallows every call
 * and every answer (a dead process neither writes nor hears back).
 */
import type { BillingStore } from '../../daemon/src/session/ports.js';

/** 'none' lets one call through, so that a fault can hit the n-th call from now. */
export type DbFault = 'none' | 'error' | 'slow-before' | 'slow-after';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
const realDelay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class FaultyStore {
  readonly store: BillingStore;
  inFlight = 0;
  /** Store calls made so far (part of the quiescence signature). */
  calls = 0;
  /** Calls that failed or were slow (the daemon then journals: file writes the run cannot see). */
  troubled = 0;
  private fenced = false;
  private outage = false;
  private readonly queued: DbFault[] = [];

  /** `slowMs`: real milliseconds a slow call takes (past the daemon's deadline). */
  constructor(
    inner: BillingStore,
    private readonly slowMs: number,
  ) {
    this.store = new Proxy(inner, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        const fn = value as (...args: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) => this.call(() => fn.apply(target, args));
      },
    });
  }

  /** The next store call (whatever it is) suffers `fault`. */
  inject(fault: DbFault): void {
    this.queued.push(fault);
  }

  setOutage(on: boolean): void {
    this.outage = on;
  }

  /** The process died: nothing more reaches the database, nothing comes back. */
  fence(): void {
    this.fenced = true;
  }

  private async call(work: () => Promise<unknown>): Promise<unknown> {
    if (this.fenced) return never();
    this.calls += 1;
    this.inFlight += 1;
    try {
      if (this.outage) throw new Error('connect ECONNREFUSED (chaos: the database is down)');
      const fault = this.queued.shift();
      if (fault === 'error')
        throw new Error('ER_LOCK_DEADLOCK: Deadlock found when trying to get lock (chaos)');
      if (fault === 'slow-before' || fault === 'slow-after') this.troubled += 1;
      if (fault === 'slow-before') await realDelay(this.slowMs);
      const result = await work();
      if (fault === 'slow-after') await realDelay(this.slowMs);
      if (this.fenced) return never();
      return result;
    } catch (err) {
      this.troubled += 1;
      if (this.fenced) return never();
      throw err;
    } finally {
      this.inFlight -= 1;
    }
  }
}

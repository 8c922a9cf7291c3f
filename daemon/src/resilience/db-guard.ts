/**
 * The resilient store's view of the database's health: every call to it runs within the
 * deadline; a failure or timeout marks the database down (logged once), the next success up
 * again. Store errors about the input are not outages and pass through untouched.
 */
import type { Logger } from '../log.js';
import { isInputError } from '../store/errors.js';
import { errorText } from '../error-text.js';
import type { DbFailurePolicy } from './config.js';
import { withDeadline } from './deadline.js';

export interface DbHealth {
  /** False after a failed or timed-out call, until one succeeds. */
  up: boolean;
  since: Date | null;
  lastError: string | null;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export class DbGuard {
  readonly health: DbHealth = { up: true, since: null, lastError: null };

  constructor(
    private readonly deadlineMs: number,
    private readonly policy: DbFailurePolicy,
    private readonly now: () => Date,
    private readonly log?: Pick<Logger, 'info' | 'warn' | 'error'>,
  ) {}

  /** The database answered. */
  ok(): void {
    const { health } = this;
    if (!health.up)
      this.log?.info('database answers again', { downSince: health.since?.toISOString() });
    health.up = true;
    health.since = null;
  }

  private failed(what: string, err: unknown): void {
    const { health } = this;
    health.lastError = `${what}: ${errorText(err)}`;
    if (health.up) {
      health.up = false;
      health.since = this.now();
      this.log?.error('database failing; settlements go to the journal', {
        op: what,
        error: errorText(err),
        policy: this.policy,
      });
    }
  }

  /** Runs `fn` within the deadline; input errors pass through untouched and do not count as outages. */
  async call<T>(what: string, fn: () => Promise<T>): Promise<Outcome<T>> {
    try {
      const value = await withDeadline(fn(), this.deadlineMs, what);
      this.ok();
      return { ok: true, value };
    } catch (err) {
      if (isInputError(err)) throw err;
      this.failed(what, err);
      return { ok: false, error: err };
    }
  }
}

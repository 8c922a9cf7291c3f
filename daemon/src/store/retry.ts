/**
 * Re-runs a whole transaction when the database says "try again": InnoDB deadlock (1213, also
 * what a Galera certification conflict looks like), lock wait timeout (1205), SQLite busy/locked.
 * Bounded attempts, exponential backoff with full jitter so that colliding writers spread out.
 * Never retries anything else: an ambiguous error (e.g. connection lost during COMMIT) must
 * surface, because re-running a money transaction blindly could charge twice.
 */
import { driverCode, driverErrno } from './errors.js';

export interface RetryOptions {
  /** Total tries including the first (default 12). */
  attempts?: number;
  /** First backoff ceiling in ms (default 5); doubles per attempt. */
  baseDelayMs?: number;
  /** Backoff ceiling in ms (default 400). */
  maxDelayMs?: number;
  /** Called before each re-run, e.g. to log or count. */
  onRetry?: (err: unknown, attempt: number) => void;
}

const RETRYABLE_ERRNO = new Set([1213, 1205]);
const RETRYABLE_CODE = new Set([
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_RECOVERY',
  'SQLITE_LOCKED',
]);

export function isRetryable(err: unknown): boolean {
  const errno = driverErrno(err);
  if (errno !== undefined && RETRYABLE_ERRNO.has(errno)) return true;
  const code = driverCode(err);
  return code !== undefined && RETRYABLE_CODE.has(code);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 12;
  const base = opts.baseDelayMs ?? 5;
  const cap = opts.maxDelayMs ?? 400;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      opts.onRetry?.(err, attempt);
      await sleep(Math.random() * Math.min(cap, base * 2 ** (attempt - 1)));
    }
  }
}

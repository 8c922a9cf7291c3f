/**
 * Hang-ups and bridge deletions that must happen even when Asterisk fails the request (its HTTP
 * server at its session limit, a socket it closed, a timeout): a CallControl wrapper. The first
 * attempt is the caller's, as before (its failure is still reported, so the call is settled on
 * time); after a failure the request is repeated in the background with capped exponential
 * backoff until Asterisk confirms it (success, or 404: the channel or bridge is gone). A B leg
 * on a carrier trunk that stays up costs the operator until its absolute timeout.
 *
 * Housekeeping's orphan sweep (housekeeping.ts) catches what is still left after a restart.
 */
import type { Logger } from '../log.js';
import type { CallControl, HangupOutcome, HangupReason } from './call-control-port.js';
import type { DaemonClock, TimerHandle } from './clock.js';
import { errorText } from '../error-text.js';

export interface CleanupRetryOptions {
  clock: DaemonClock;
  logger: Logger;
  /** First and largest delay between attempts (ms, defaults 500 and 30 000). */
  baseMs?: number;
  maxMs?: number;
}

export interface RetryingControl extends CallControl {
  /** Channels and bridges whose removal is still being retried. */
  readonly retrying: number;
  /** Stops the retries (shutdown). */
  close(): void;
}

export function withCleanupRetries(inner: CallControl, opts: CleanupRetryOptions): RetryingControl {
  const { clock, logger } = opts;
  const base = opts.baseMs ?? 500;
  const max = opts.maxMs ?? 30_000;
  const pending = new Map<string, TimerHandle | null>();
  let closed = false;

  const retry = (
    key: string,
    what: Record<string, string>,
    attempt: () => Promise<unknown>,
  ): void => {
    if (closed || pending.has(key)) return;
    let n = 0;
    const next = (): void => {
      if (closed) return;
      const delay = Math.min(max, base * 2 ** Math.min(n, 16));
      n++;
      pending.set(
        key,
        clock.setTimer(delay, () => {
          pending.set(key, null);
          attempt().then(
            () => {
              pending.delete(key);
              logger.info('cleanup retried: Asterisk confirmed it', { ...what, attempts: n + 1 });
            },
            (err: unknown) => {
              if (n === 1 || n % 10 === 0)
                logger.warn('cleanup still failing; retrying', {
                  ...what,
                  attempts: n + 1,
                  error: errorText(err),
                });
              next();
            },
          );
        }),
      );
    };
    next();
  };

  return {
    answer: (id) => inner.answer(id),
    ring: (id) => inner.ring(id),
    play: (id, media) => inner.play(id, media),
    stopPlayback: (id) => inner.stopPlayback(id),
    originate: (req) => inner.originate(req),
    createBridge: (id) => inner.createBridge(id),
    addToBridge: (id, channels) => inner.addToBridge(id, channels),
    setAbsoluteTimeout: (id, seconds) => inner.setAbsoluteTimeout(id, seconds),
    listChannels: () => inner.listChannels(),
    listBridges: () => inner.listBridges(),
    forgetLeg: (id) => inner.forgetLeg(id),
    async hangup(channelId: string, reason?: HangupReason): Promise<HangupOutcome> {
      try {
        return await inner.hangup(channelId, reason);
      } catch (err) {
        retry(`channel ${channelId}`, { channel: channelId }, () =>
          inner.hangup(channelId, reason),
        );
        throw err;
      }
    },
    async destroyBridge(bridgeId: string): Promise<void> {
      try {
        await inner.destroyBridge(bridgeId);
      } catch (err) {
        retry(`bridge ${bridgeId}`, { bridge: bridgeId }, () => inner.destroyBridge(bridgeId));
        throw err;
      }
    },
    get retrying() {
      return pending.size;
    },
    close() {
      closed = true;
      for (const t of pending.values()) t?.cancel();
      pending.clear();
    },
  };
}

/**
 * Settling one call attempt (or callback leg) with the store's settle transaction, retried
 * twice on a failure (0.5 s, then 1 s later). The store's settle is idempotent, so a retry of a
 * write that did land changes nothing. After the last failure the reservation stays in the
 * database, where housekeeping settles it: a failed write never loses the charge.
 */
import type { Logger } from '../log.js';
import { describeEnd } from './unseen-end.js';
import { killNote, type Attempt, type CallContext } from './call-context.js';
import { errorText } from './call-scope.js';
import { sleep, type DaemonClock } from './clock.js';
import {
  noSessionMetrics,
  type BillingStore,
  type Disposition,
  type SessionMetrics,
  type SettleRequest,
  type SettleResult,
} from './ports.js';

export interface SettleDeps {
  store: Pick<BillingStore, 'settle'>;
  clock: DaemonClock;
  log: Logger;
  /** Counts the attempt's outcome (default: none). */
  metrics?: SessionMetrics;
}

const TRIES = 3;

/** The settle result, or null when every try failed (then housekeeping settles it). Never throws. */
export async function settleWithRetry(
  deps: SettleDeps,
  req: SettleRequest,
  what = 'call settled',
): Promise<SettleResult | null> {
  const { store, clock, log } = deps;
  const metrics = deps.metrics ?? noSessionMetrics;
  for (let i = 1; ; i++) {
    try {
      const res = await store.settle(req);
      metrics.callFinished(req.disposition);
      if (res.pending) metrics.settlementFailed();
      log.info(what, {
        uniqueid: req.uniqueid,
        disposition: req.disposition,
        billsec: res.billsec,
        cost: res.cost.toString(),
        balanceAfter: res.balanceAfter.toString(),
        again: !res.settled,
      });
      return res;
    } catch (err) {
      if (i >= TRIES) {
        metrics.callFinished(req.disposition);
        metrics.settlementFailed();
        log.error('SETTLEMENT FAILED: the reservation stays until housekeeping settles it', {
          uniqueid: req.uniqueid,
          disposition: req.disposition,
          billsec: req.billsec,
          error: errorText(err),
        });
        return null;
      }
      log.warn('settlement failed; retrying', { uniqueid: req.uniqueid, error: errorText(err) });
      await sleep(clock, 250 * 2 ** i);
    }
  }
}

/** Settles one attempt of an ordinary call (once; a settled attempt is left alone). */
export async function settleAttempt(
  ctx: CallContext,
  attempt: Attempt,
  disposition: Disposition,
  cause: number | null,
  answer: Date | null,
  end: Date,
  billsec: number,
): Promise<void> {
  if (attempt.settled) return;
  const unseen = attempt === ctx.attempt ? ctx.unseenEnd : null;
  const killed = killNote(ctx.killReason);
  const note = killed && unseen ? `${killed}; ${describeEnd(unseen)}` : killed;
  const res = await settleWithRetry(
    { store: ctx.deps.store, clock: ctx.deps.clock, log: ctx.log, metrics: ctx.metrics },
    {
      uniqueid: attempt.uniqueid,
      disposition,
      hangupCause: cause,
      answer,
      end,
      billsec,
      ...(note ? { note } : {}),
      ...(unseen ? { endSource: unseen.source } : {}),
      ...(attempt.rate && ctx.account
        ? {
            hints: {
              accountId: ctx.account.id,
              maxCost: attempt.maxCost,
              maxSeconds: attempt.maxSeconds,
              start: attempt.start,
              rate: attempt.rate,
            },
          }
        : {}),
    },
  );
  if (res) attempt.settled = true;
}

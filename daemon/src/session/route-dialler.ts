/**
 * Dialling a routed call: the trunks in order, inside the call's one reservation (the sell side
 * never changes between trunks). Each trunk's channel is claimed in the database first (a trunk
 * at its limit is skipped, across every daemon); each attempt is recorded (astcallattempt) with
 * its outcome and causes. A failure moves on to the next trunk only when the failover table says
 * so (failover.ts): busy, no answer and rejected end the call, so a busy callee is never rung
 * again. Without routes the call dials config `dial` (dialler.ts) exactly as before.
 */
import type { Attempt, CallContext } from './call-context.js';
import { deferred, errorText } from './call-scope.js';
import type { DialOutcome } from './call-events.js';
import { FAILURE_DISPOSITION } from './dial-failure.js';
import { dialAttempt } from './dialler.js';
import { DEFAULT_FAILOVER, shouldFailOver } from './failover.js';
import { rewriteNumber } from '../rating/index.js';
import type { AttemptOutcome, RoutingStore } from './routing-ports.js';

export async function dialRoutes(ctx: CallContext, attempt: Attempt): Promise<DialOutcome> {
  const routes = attempt.routes;
  const routing = ctx.deps.routing;
  if (!routes || !routing) return dialAttempt(ctx, attempt);
  const table = ctx.deps.config.routing?.failover ?? DEFAULT_FAILOVER;
  // Every trunk at its limit: the caller gets congestion, as from a full carrier.
  let last: DialOutcome = { kind: 'failed', failure: 'CONGESTION', cause: 34, at: ctx.lastEventAt };
  let dialled = 0;
  for (const route of routes) {
    const leg = ctx.deps.ids.leg();
    const claim = await routing.claimTrunk({
      uniqueid: attempt.uniqueid,
      trunkId: route.trunk.id,
      trunk: route.trunk.name,
      channel: leg.channelId,
      node: ctx.deps.config.node,
      buy: route.buy,
      start: ctx.lastEventAt,
    });
    ctx.scope.check();
    if (!claim.ok) {
      ctx.log.info('trunk at its channel limit; trying the next', { trunk: route.trunk.name });
      continue;
    }
    if (dialled++ > 0) attempt.outcome = deferred<DialOutcome>();
    let outcome: DialOutcome;
    try {
      outcome = await dialAttempt(ctx, attempt, {
        dial: route.trunk.dial,
        number: rewriteNumber(route.trunk, attempt.dst),
        leg,
      });
    } catch (err) {
      await close(ctx, routing, claim.attemptId, {
        outcome: 'ABANDONED',
        cause: null,
        techCause: null,
        end: ctx.lastEventAt,
      });
      throw err;
    }
    if (outcome.kind === 'answered') {
      await close(ctx, routing, claim.attemptId, {
        outcome: 'ANSWERED',
        cause: null,
        techCause: null,
        end: attempt.answeredAt ?? ctx.lastEventAt,
      });
      return outcome;
    }
    await close(ctx, routing, claim.attemptId, {
      outcome: FAILURE_DISPOSITION[outcome.failure],
      cause: outcome.cause,
      techCause: outcome.techCause ?? null,
      end: outcome.at,
    });
    last = outcome;
    // This leg is over; the session forgets only the last one when it finishes.
    ctx.deps.control.forgetLeg(leg.channelId);
    const next = shouldFailOver(outcome, table);
    ctx.log.info(next ? 'trunk failed; trying the next' : 'trunk failed; the call ends', {
      trunk: route.trunk.name,
      failure: outcome.failure,
      cause: outcome.cause,
      techCause: outcome.techCause ?? null,
    });
    if (!next) return outcome;
    ctx.scope.check();
  }
  return last;
}

/** The attempt's outcome; a failure to write it is logged (the call is not held up by it). */
async function close(
  ctx: CallContext,
  routing: RoutingStore,
  attemptId: number,
  o: AttemptOutcome,
): Promise<void> {
  try {
    await routing.closeAttempt(attemptId, o);
  } catch (err) {
    ctx.log.warn('could not record the trunk attempt outcome', {
      attemptId,
      error: errorText(err),
    });
  }
}

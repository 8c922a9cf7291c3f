/**
 * Dialling a routed leg: the trunks in order, inside the leg's one reservation (the sell side
 * never changes between trunks). Each trunk's channel is claimed in the database first (a trunk
 * at its limit is skipped, across every daemon); each attempt is recorded (astcallattempt) with
 * its outcome and causes. A failure moves on to the next trunk only when the failover table says
 * so (failover.ts): busy, no answer and rejected end the call, so a busy callee is never rung
 * again. One loop for every routed leg: an ordinary call's B leg (dialRoutes) and each leg of a
 * callback (dialler.ts dialCallbackLeg). Without routes a leg dials config `dial` as before.
 */
import type { Logger } from '../log.js';
import type { RankedRoute } from '../rating/index.js';
import type { Attempt, CallContext } from './call-context.js';
import { deferred, errorText } from './call-scope.js';
import type { DialOutcome } from './call-events.js';
import { FAILURE_DISPOSITION } from './dial-failure.js';
import { dialAttempt } from './dialler.js';
import { DEFAULT_FAILOVER, shouldFailOver, type FailoverTable } from './failover.js';
import { rewriteNumber } from '../rating/index.js';
import type { AttemptOutcome, RoutingStore } from './routing-ports.js';

/** One trunk of a routed leg: its dial template, the number as that carrier wants it, the leg's ids. */
export interface DialVia {
  dial: string;
  number: string;
  leg: { channelId: string; otherChannelId: string };
}

/** What the trunk loop needs of the call it dials for. */
export interface TrunkDialEnv {
  routing: RoutingStore;
  table: FailoverTable;
  log: Logger;
  node: string;
  newLeg(): { channelId: string; otherChannelId: string };
  /** The time stamped on a claim (and on an abandoned attempt). */
  now(): Date;
  /** When the answered attempt answered. */
  answeredAt(): Date | null;
  /** Throws when the call is over (its scope ended). */
  check(): void;
  /** A failed trunk's leg: its events no longer concern the call. */
  forgetLeg(channelId: string): void;
}

/**
 * Dials `dst` for the reservation `uniqueid` over `routes`; `dialOne` dials one trunk (its
 * `n`: how many were dialled before it) and resolves with that trunk's outcome.
 */
export async function dialOverTrunks(
  env: TrunkDialEnv,
  routes: readonly RankedRoute[],
  uniqueid: string,
  dst: string,
  dialOne: (via: DialVia, n: number) => Promise<DialOutcome>,
): Promise<DialOutcome> {
  const { routing } = env;
  // Every trunk at its limit: the caller gets congestion, as from a full carrier.
  let last: DialOutcome = { kind: 'failed', failure: 'CONGESTION', cause: 34, at: env.now() };
  let dialled = 0;
  for (const route of routes) {
    const leg = env.newLeg();
    const claim = await routing.claimTrunk({
      uniqueid,
      trunkId: route.trunk.id,
      trunk: route.trunk.name,
      channel: leg.channelId,
      node: env.node,
      buy: route.buy,
      start: env.now(),
    });
    env.check();
    if (!claim.ok) {
      env.log.info('trunk at its channel limit; trying the next', { trunk: route.trunk.name });
      continue;
    }
    let outcome: DialOutcome;
    try {
      outcome = await dialOne(
        { dial: route.trunk.dial, number: rewriteNumber(route.trunk, dst), leg },
        dialled++,
      );
    } catch (err) {
      await close(env, claim.attemptId, {
        outcome: 'ABANDONED',
        cause: null,
        techCause: null,
        end: env.now(),
      });
      throw err;
    }
    if (outcome.kind === 'answered') {
      await close(env, claim.attemptId, {
        outcome: 'ANSWERED',
        cause: null,
        techCause: null,
        end: env.answeredAt() ?? env.now(),
      });
      return outcome;
    }
    await close(env, claim.attemptId, {
      outcome: FAILURE_DISPOSITION[outcome.failure],
      cause: outcome.cause,
      techCause: outcome.techCause ?? null,
      end: outcome.at,
    });
    last = outcome;
    // This leg is over; the session forgets only the last one when it finishes.
    env.forgetLeg(leg.channelId);
    const next = shouldFailOver(outcome, env.table);
    env.log.info(next ? 'trunk failed; trying the next' : 'trunk failed; the call ends', {
      trunk: route.trunk.name,
      failure: outcome.failure,
      cause: outcome.cause,
      techCause: outcome.techCause ?? null,
    });
    if (!next) return outcome;
    env.check();
  }
  return last;
}

/** An ordinary call's B leg: over its trunks, else config `dial` (dialler.ts). */
export async function dialRoutes(ctx: CallContext, attempt: Attempt): Promise<DialOutcome> {
  const routes = attempt.routes;
  const routing = ctx.deps.routing;
  if (!routes || !routing) return dialAttempt(ctx, attempt);
  const env: TrunkDialEnv = {
    routing,
    table: ctx.deps.config.routing?.failover ?? DEFAULT_FAILOVER,
    log: ctx.log,
    node: ctx.deps.config.node,
    newLeg: () => ctx.deps.ids.leg(),
    now: () => ctx.lastEventAt,
    answeredAt: () => attempt.answeredAt,
    check: () => ctx.scope.check(),
    forgetLeg: (id) => ctx.deps.control.forgetLeg(id),
  };
  return dialOverTrunks(env, routes, attempt.uniqueid, attempt.dst, (via, n) => {
    if (n > 0) attempt.outcome = deferred<DialOutcome>();
    return dialAttempt(ctx, attempt, via);
  });
}

/** The attempt's outcome; a failure to write it is logged (the call is not held up by it). */
async function close(env: TrunkDialEnv, attemptId: number, o: AttemptOutcome): Promise<void> {
  try {
    await env.routing.closeAttempt(attemptId, o);
  } catch (err) {
    env.log.warn('could not record the trunk attempt outcome', {
      attemptId,
      error: errorText(err),
    });
  }
}

/**
 * Before authorising: which trunks a call may leave through. No trunk in the database (or no
 * routing port): the call dials config `dial` as before routing existed. Trunks exist but none
 * has a buy rate for the destination: NOROUTE. Some do, but none leaves the minimum margin
 * (ASTBILL_MIN_MARGIN): LOSS. Otherwise the profitable trunks in the plan's order; a
 * least-cost tie is broken by the trunks' recent ASR (ASTBILL_LCR_ASR_WINDOW), read only when
 * there is a tie.
 */
import type { Logger } from '../log.js';
import type { Rate, RankedRoute } from '../rating/index.js';
import type { CallContext } from './call-context.js';
import { db } from './call-scope.js';
import { rankRoutes } from './route-ranking.js';
import type { RoutingConfig } from './routing-config.js';
import type { RouteCandidates, RoutingStore } from './routing-ports.js';

export type RouteDecision =
  | { kind: 'legacy' }
  | { kind: 'routes'; routes: RankedRoute[] }
  | { kind: 'refuse'; reason: 'NOROUTE' | 'LOSS' };

/** What planning needs: the routing port and settings (absent: no routing), a log, now. */
export interface RoutePlanEnv {
  routing?: RoutingStore | undefined;
  config?: RoutingConfig | undefined;
  log: Logger;
  now: Date;
}

/** The plan environment of an ordinary call. */
export function callPlanEnv(ctx: CallContext): RoutePlanEnv {
  return {
    routing: ctx.deps.routing,
    config: ctx.deps.config.routing,
    log: ctx.log,
    now: ctx.lastEventAt,
  };
}

/** `known`: the routing of `dst`, already read with the account (no round trip of its own). */
export async function planRoutes(
  env: RoutePlanEnv,
  tariff: string,
  dst: string,
  sell: Rate,
  known?: RouteCandidates,
): Promise<RouteDecision> {
  const routing = env.routing;
  if (!routing) return { kind: 'legacy' };
  const found = known ?? (await db(() => routing.routeCandidates(tariff, dst)));
  if (!found.configured) return { kind: 'legacy' };
  const { plan } = found;
  const ranked = await db(() => rankRoutes(routing, env.config, found, sell, env.now));
  const routes = ranked.filter((r) => r.profitable);
  const skipped = ranked.filter((r) => !r.profitable).map((r) => r.trunk.name);
  env.log.info('routes', {
    dst,
    mode: plan.mode,
    routes: routes.map((r) => r.trunk.name),
    ...(skipped.length ? { unprofitable: skipped } : {}),
  });
  if (routes.length > 0) return { kind: 'routes', routes };
  return { kind: 'refuse', reason: ranked.length > 0 ? 'LOSS' : 'NOROUTE' };
}

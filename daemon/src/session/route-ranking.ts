/**
 * The one ranking of a call's trunks, shared by the call flow (route-plan.ts) and `astbill
 * route`, so that the command shows the order a call would really be tried in: the plan, the
 * margin guard, and for least-cost ties the trunks' recent ASR (ASTBILL_LCR_ASR_WINDOW), read
 * from the attempts table only when two candidates cost the same.
 */
import { chooseRoutes, hasCostTie, type Rate, type RankedRoute } from '../rating/index.js';
import type { RoutingConfig } from './routing-config.js';
import type { RouteCandidates, RoutingStore } from './routing-ports.js';

export async function rankRoutes(
  store: Pick<RoutingStore, 'recentAsr'>,
  cfg: RoutingConfig | undefined,
  found: Pick<RouteCandidates, 'plan' | 'candidates'>,
  sell: Rate,
  now: Date,
): Promise<RankedRoute[]> {
  const { plan, candidates } = found;
  const margin = cfg?.minMarginPerMin ?? 0n;
  if (plan.mode !== 'lcr' || !cfg || cfg.asrWindowSecs === 0 || !hasCostTie(candidates))
    return chooseRoutes(candidates, plan, sell, margin);
  const byTrunk = await store.recentAsr(new Date(now.getTime() - cfg.asrWindowSecs * 1000));
  return chooseRoutes(candidates, plan, sell, margin, {
    asr: { byTrunk, minAttempts: cfg.asrMinAttempts },
  });
}

/**
 * The API's front for the composition root (daemon.ts):
 *
 *   const metrics = new Metrics();                       // pass `metrics` to sessions/ari/store
 *   metrics.setSources(dbGaugeSources(store, config.node, () => journal.size()));
 *   const api = createApiServer(config.api, { store, node: config.node, status, hangup, metrics, log });
 *   await api?.start();   ...   await api?.close();
 */
import type { Config } from '../config.js';
import type { ApiDeps } from './deps.js';
import type { GaugeSources } from './metrics.js';
import type { ApiStore } from './ports.js';
import { ApiServer } from './server.js';

export { ApiServer, ApiConfigError } from './server.js';
export type { ApiServerOptions } from './server.js';
export { Metrics, noMetrics } from './metrics.js';
export type { BillingMetrics, CallOutcome, GaugeSources } from './metrics.js';
export type { ApiDeps } from './deps.js';
export type {
  ApiStore,
  HangupFn,
  LiveCallInfo,
  LiveCallsProvider,
  StatusProvider,
} from './ports.js';

/** The API server for `config.api`, or null when ASTBILL_API_PORT is unset. Throws ApiConfigError without a token. */
export function createApiServer(api: Config['api'], deps: ApiDeps): ApiServer | null {
  if (api.port === null) return null;
  return new ApiServer({ port: api.port, host: api.host, token: api.token }, deps);
}

/** Gauges read from the database at scrape time: this node's live calls and reserved money. */
export function dbGaugeSources(
  store: Pick<ApiStore, 'reservedTotals'>,
  node: string,
  journalBacklog?: () => number | Promise<number>,
): GaugeSources {
  return {
    liveCalls: async () => (await store.reservedTotals(node)).calls,
    reservedMoney: async () => (await store.reservedTotals(node)).reserved,
    ...(journalBacklog ? { journalBacklog } : {}),
  };
}

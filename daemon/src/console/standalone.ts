/**
 * The console against a database alone (`astbill console`), for a box without the daemon: the
 * same API server and pages, with no ARI (health shows it down, no calls of this process to hang
 * up; reservations of the daemons on the database are still listed).
 */
import { randomBytes } from 'node:crypto';
import { ApiServer } from '../api/server.js';
import { dbGaugeSources } from '../api/index.js';
import { Metrics } from '../api/metrics.js';
import type { KnexBillingStore } from '../store/index.js';
import { OperatorStore } from '../store/operators/index.js';
import type { Logger } from '../log.js';

export interface StandaloneOptions {
  store: KnexBillingStore;
  port: number;
  host: string;
  /** ASTBILL_API_TOKEN when set; otherwise a random one nobody knows (logins only). */
  token: string | null;
  node: string;
  log?: Logger | undefined;
}

export async function startStandaloneConsole(o: StandaloneOptions): Promise<ApiServer> {
  const metrics = new Metrics({ processMetrics: false });
  metrics.setSources(dbGaugeSources(o.store, o.node));
  const api = new ApiServer(
    { port: o.port, host: o.host, token: o.token ?? randomBytes(32).toString('base64url') },
    {
      store: o.store,
      node: o.node,
      metrics,
      status: { ariConnected: () => false, journalBacklog: () => 0 },
      hangup: async () => false,
      operators: new OperatorStore(o.store.db),
      log: o.log,
    },
  );
  await api.start();
  return api;
}

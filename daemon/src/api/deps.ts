/** Everything the API's routes use, handed in by the composition root (daemon.ts or a test). */
import type { Logger } from '../log.js';
import type { OperatorStore } from '../store/operators/index.js';
import type { ConcurrencySampler } from './concurrency.js';
import type { Metrics } from './metrics.js';
import type { PaymentConfig } from './payments-config.js';
import type { CallbackStarter } from './routes/callbacks.js';
import type { ApiStore, HangupFn, LiveCallsProvider, StatusProvider } from './ports.js';

export interface ApiDeps {
  /** The daemon's store, through the operations the API uses. */
  store: ApiStore;
  /** This daemon's node name (config `node`): calls of other nodes cannot be hung up here. */
  node: string;
  status: StatusProvider;
  hangup: HangupFn;
  metrics: Metrics;
  /** Optional: adds session state and destination to GET /calls for this node's calls. */
  liveCalls?: LiveCallsProvider | undefined;
  log?: Logger | undefined;
  /** Optional: POST /callbacks starts callback calls through it (503 without). */
  callbacks?: CallbackStarter | undefined;
  /** Operators, sessions, tokens and the audit trail; without it only ASTBILL_API_TOKEN works. */
  operators?: OperatorStore | undefined;
  /** Concurrent calls per minute for the dashboard (the server makes one when it is absent). */
  concurrency?: ConcurrencySampler | undefined;
  /** Optional: POST /payments verifies signatures with it (404 without). */
  payments?: PaymentConfig | null | undefined;
}

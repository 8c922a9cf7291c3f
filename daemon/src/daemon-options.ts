/** What a daemon can be given beyond its Config (daemon.ts): injected parts, timings and switches. */
import type { Logger } from './log.js';
import type { AriSwitchOptions } from './ari/index.js';
import type { Metrics } from './api/index.js';
import type { KnexBillingStore } from './store/index.js';
import type { ReplayTimer } from './resilience/replayer.js';
import type { SessionConfig } from './session/call-session.js';
import type { DaemonClock } from './session/clock.js';
import type { BillingStore } from './session/ports.js';

export interface DaemonDeps {
  /** The store to bill with; when absent it is opened from `config.db` (and closed by close()). */
  store?: BillingStore;
  logger?: Logger;
  /** The daemon's timers (limit, digits, ring guard); billsec always comes from Asterisk's timestamps. */
  clock?: DaemonClock;
  /** ARI timeouts and backoff (ms). */
  ari?: AriSwitchOptions['timing'];
  /** Schedule the housekeeping cron job (default true). */
  housekeeping?: boolean;
  /** Session tunables beyond Config. */
  session?: Partial<
    Pick<
      SessionConfig,
      'maxDestinationAttempts' | 'limitGraceSeconds' | 'hangupWaitSeconds' | 'ringGuardSeconds'
    >
  >;
  /** Idle bridges made once connected (default POOL_WARM, session/bridge-pool.ts); tests that list bridges pass 0. */
  bridgeWarm?: number;
  /** Seconds close() lets live calls run before it ends them (default 10). */
  drainSeconds?: number;
  /**
   * The knex store behind the API, the metrics gauges and the report schedule. Default: the
   * store the daemon opens, or `store` when that is a KnexBillingStore. Without one the API
   * cannot start (a daemon given some other store and an API port fails at start()).
   */
  operatorStore?: KnexBillingStore;
  /** The Prometheus metrics (default: created when the API is configured, else none). */
  metrics?: Metrics;
  /** Settlements waiting in a local journal, for /health and the metrics (default: the daemon's own journal). */
  journalBacklog?: () => number | Promise<number>;
  /**
   * Database-failure handling (deadlines, settlement journal, outage policy) around the store.
   * On by default; tests that inject an already wrapped store pass false.
   */
  resilience?: false;
  /** What this run's ids (legs, bridges, playbacks) carry after the node (default: wall time; a simulation gives its own, so that ids replay). */
  bootId?: string;
  /** The journal replayer's interval timer (default real time; the chaos simulation runs it on its fake clock). */
  replayTimer?: ReplayTimer;
}

export interface StartOptions {
  /** Wait this long for the first ARI connection (ms, default 0: don't wait; the loop keeps trying). */
  waitForAsteriskMs?: number;
}

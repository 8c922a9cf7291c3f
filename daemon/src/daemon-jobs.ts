/**
 * The daemon's background jobs, built once the store is open: housekeeping (stale reservations,
 * orphans), the live check of calls after a websocket gap, restart reconciliation (run on every
 * ARI connection) and periodic talk-time checkpoints. All of them settle a call whose end was
 * not seen by the one rule in unseen-end.ts. daemon.ts starts and stops them.
 */
import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { DaemonSessions } from './daemon-sessions.js';
import type { DaemonClock } from './session/clock.js';
import { Housekeeping } from './session/housekeeping.js';
import type { IdFactory } from './session/ids.js';
import type { BridgePool } from './session/bridge-pool.js';
import type { BillingStore } from './session/ports.js';
import type { SessionRegistry } from './session/registry.js';
import { Checkpointer } from './session/checkpointer.js';
import { BlockSweep, type BlockedCallsStore } from './session/block-sweep.js';
import { Reconciler } from './session/reconcile.js';
import type { CheckpointStore } from './store/checkpoints.js';
import { LiveCheck, type LivenessBook } from './session/live-check.js';
import type { UnseenEnds } from './session/unseen-end.js';
import type { RetryingControl } from './session/cleanup-retry.js';
import { OrphanSweep } from './session/orphan-sweep.js';
import type { LiveSession } from './session/live-session.js';

export interface DaemonJobs {
  housekeeping: Housekeeping;
  liveCheck: LiveCheck;
  reconciler: Reconciler;
  /** Null without a checkpoint store (the knex store). */
  checkpointer: Checkpointer | null;
  /** Ends the calls of blocked accounts; null without the knex store. */
  blockSweep: BlockSweep | null;
}

export interface JobParts {
  config: Config;
  store: BillingStore;
  checkpoints: CheckpointStore | null;
  /** Which live calls belong to blocked accounts (the knex store); null: none. */
  blocked: BlockedCallsStore | null;
  control: RetryingControl;
  registry: SessionRegistry<LiveSession>;
  ids: IdFactory;
  /** Idle bridges kept for the next call: not orphans. */
  bridges: Pick<BridgePool, 'holds'>;
  clock: DaemonClock;
  /** Asterisk's time: every moment compared with its answer times (confirmed up / gone). */
  asteriskClock: DaemonClock;
  logger: Logger;
  /** When each live call was last confirmed up (shared with the sessions' grant extensions). */
  book: LivenessBook;
  /** The rule for an end nobody saw (the resilient store's replay uses it too). */
  unseen: UnseenEnds;
  /** Where reconciliation hands the calls that are still up. */
  sessions: Pick<DaemonSessions, 'adoptCall' | 'adoptCallback'>;
}

export function buildJobs(p: JobParts): DaemonJobs {
  const { config, store, checkpoints, control, registry, ids, clock, asteriskClock, logger } = p;
  const { unseen } = p;
  const { node, recovery } = config;
  const housekeeping = new Housekeeping({
    orphans: new OrphanSweep({
      control,
      registry,
      store,
      ids,
      pooled: (id) => p.bridges.holds(id),
      logger,
      node,
      app: config.ari.app,
      clock,
    }),
    unseen,
    checkpoints,
    store,
    control,
    registry,
    logger,
    clock,
    node,
    cron: config.housekeepingCron,
    staleMarginSeconds: config.staleMargin,
  });
  const { book } = p;
  const liveCheck = new LiveCheck({
    control,
    registry,
    book,
    unseen,
    clock: asteriskClock,
    logger,
    gapPollSeconds: recovery.gapPollSeconds,
  });
  const reconciler = new Reconciler({
    unseen,
    store,
    checkpoints,
    control,
    registry,
    ids,
    clock: asteriskClock,
    logger,
    node,
    adopt: (call) => p.sessions.adoptCall(call),
    adoptCallback: (call) => p.sessions.adoptCallback(call),
    retrySeconds: recovery.reconcileRetrySeconds,
  });
  const checkpointer = checkpoints
    ? new Checkpointer({
        store,
        checkpoints,
        control,
        registry,
        clock: asteriskClock,
        logger,
        node,
        intervalSeconds: recovery.checkpointSeconds,
        book,
      })
    : null;
  const blockSweep = p.blocked
    ? new BlockSweep({
        store: p.blocked,
        registry,
        clock,
        logger,
        node,
        intervalSeconds: recovery.blockPollSeconds,
      })
    : null;
  return { housekeeping, liveCheck, reconciler, checkpointer, blockSweep };
}

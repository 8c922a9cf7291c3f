/**
 * The daemon's one call to switch database-failure handling on:
 *
 *   const res = await startResilience(store, loadResilienceConfig(), { logger });
 *   // use res.store as the sessions' BillingStore; at shutdown: await res.close()
 *
 * Opens (and locks) the journal, wraps the store, starts the replayer. Outage calls
 * (allow-capped) are written with knexLateCharge when `inner` is the knex store.
 */
import type { Logger } from '../log.js';
import type { BillingStore } from '../session/ports.js';
import { KnexBillingStore } from '../store/knex-store.js';
import { knexAdopt } from './adopt.js';
import type { ResilienceConfig } from './config.js';
import { Journal } from './journal.js';
import { knexLateCharge, type LateCharge } from './late-charge.js';
import { JournalReplayer, type ReplayTimer } from './replayer.js';
import { wrapStore, type ResilientStore } from './resilient-store.js';
import type { UnseenEnds } from '../session/unseen-end.js';

export interface Resilience {
  store: ResilientStore;
  replayer: JournalReplayer;
  /** Stops the replayer (after a last pass) and closes the journal. */
  close(): Promise<void>;
}

export async function startResilience(
  inner: BillingStore,
  cfg: ResilienceConfig,
  deps: {
    logger?: Logger;
    lateCharge?: LateCharge;
    timer?: ReplayTimer;
    /** The daemon's Asterisk clock and unseen-end rule, for calls whose daemon crashed mid-outage. */
    now?: () => Date;
    unseen?: Pick<UnseenEnds, 'decide'>;
    /** Cuts a live call to a shorter grant the database holds (resilient-store.ts). */
    limitTo?: (uniqueid: string, maxSeconds: number) => void;
  } = {},
): Promise<Resilience> {
  const journal = await Journal.open(cfg.journalDir, deps.logger ? { logger: deps.logger } : {});
  if (journal.problems.length > 0)
    deps.logger?.warn('journal: unreadable lines were set aside in rejected.jsonl', {
      dir: cfg.journalDir,
      count: journal.problems.length,
    });
  if (journal.size > 0)
    deps.logger?.info('journal: records waiting from an earlier run', {
      dir: cfg.journalDir,
      pending: journal.size,
    });
  const lateCharge =
    deps.lateCharge ?? (inner instanceof KnexBillingStore ? knexLateCharge(inner.db) : undefined);
  const adopt = inner instanceof KnexBillingStore ? knexAdopt(inner.db) : undefined;
  const store = wrapStore(inner, {
    journal,
    deadlineMs: cfg.deadlineMs,
    policy: cfg.policy,
    failureSeconds: cfg.failureSeconds,
    ...(lateCharge ? { lateCharge } : {}),
    ...(adopt ? { adopt } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.unseen ? { unseen: deps.unseen } : {}),
    ...(deps.limitTo ? { limitTo: deps.limitTo } : {}),
  });
  const replayer = new JournalReplayer({
    replay: () => store.replay(),
    pending: () => store.pending(),
    intervalMs: cfg.replayIntervalMs,
    ...(deps.timer ? { timer: deps.timer } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  replayer.start();
  return {
    store,
    replayer,
    async close() {
      await replayer.close();
      await replayer.runOnce();
      await journal.close();
    },
  };
}

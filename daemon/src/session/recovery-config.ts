/**
 * Settings of restart reconciliation, talk-time checkpoints and calls whose end was not seen,
 * from the environment (the same rules as config.ts: a bad value stops start-up with one line
 * naming the setting).
 *
 *   ASTBILL_CHECKPOINT_SECONDS   every N s the calls Asterisk lists as up are stamped "confirmed
 *                                up" (one statement: the talk time on each open CDR; default 5;
 *                                0 turns checkpoints off). A call whose end the daemon did not
 *                                see is billed to its last stamp by default, so this interval
 *                                bounds what a crash can cost the operator per call.
 *   ASTBILL_UNSEEN_END           the policy for such a call when Asterisk's own CDR does not say:
 *                                'last-up' (default: the last moment it was confirmed up) or
 *                                'first-gone' (the first moment it was confirmed gone, capped at
 *                                the grant). See session/unseen-end.ts.
 *   ASTBILL_GAP_POLL_SECONDS     while the ARI websocket is down, every N s Asterisk is asked
 *                                over REST which calls are still up (default 5; 0: off).
 *   ASTBILL_BLOCK_POLL_SECONDS   every N s each daemon ends its live calls of accounts that were
 *                                blocked (by the anomaly stop on any daemon, or an operator):
 *                                the bound on how long such a call outlives the block (default
 *                                2; 0: off). See block-sweep.ts.
 *   ASTBILL_RECONCILE_RETRY_SECONDS  when reconciliation cannot run (database or Asterisk not
 *                                answering), it is tried again after N s (default 10).
 */
import { intSetting as int, oneOfSetting, type SettingSource } from '../config-values.js';
import { UNSEEN_END_POLICIES, type UnseenEndPolicy } from './unseen-end.js';

export interface RecoveryConfig {
  checkpointSeconds: number;
  reconcileRetrySeconds: number;
  unseenEnd: UnseenEndPolicy;
  gapPollSeconds: number;
  blockPollSeconds: number;
}

export function loadRecoveryConfig(env: SettingSource): RecoveryConfig {
  return {
    checkpointSeconds: int(env, 'ASTBILL_CHECKPOINT_SECONDS', 5, 0, 3600),
    reconcileRetrySeconds: int(env, 'ASTBILL_RECONCILE_RETRY_SECONDS', 10, 1, 3600),
    unseenEnd: oneOfSetting(env, 'ASTBILL_UNSEEN_END', 'last-up', UNSEEN_END_POLICIES),
    gapPollSeconds: int(env, 'ASTBILL_GAP_POLL_SECONDS', 5, 0, 3600),
    blockPollSeconds: int(env, 'ASTBILL_BLOCK_POLL_SECONDS', 2, 0, 3600),
  };
}

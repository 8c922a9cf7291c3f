/**
 * Settings of restart reconciliation and talk-time checkpoints, from the environment (the same
 * rules as config.ts: a bad value stops start-up with one line naming the setting).
 *
 *   ASTBILL_CHECKPOINT_SECONDS   every N s the confirmed talk time of each live call is written to
 *                                its CDR (default 30; 0 turns checkpoints off). What a crash can
 *                                cost the operator is bounded by this interval.
 *   ASTBILL_RECONCILE_RETRY_SECONDS  when reconciliation cannot run (database or Asterisk not
 *                                answering), it is tried again after N s (default 10).
 */
import { intSetting as int, type SettingSource } from '../config-values.js';

export interface RecoveryConfig {
  checkpointSeconds: number;
  reconcileRetrySeconds: number;
}

export function loadRecoveryConfig(env: SettingSource): RecoveryConfig {
  return {
    checkpointSeconds: int(env, 'ASTBILL_CHECKPOINT_SECONDS', 30, 0, 3600),
    reconcileRetrySeconds: int(env, 'ASTBILL_RECONCILE_RETRY_SECONDS', 10, 1, 3600),
  };
}

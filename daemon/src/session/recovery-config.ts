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
import { ConfigError } from '../config.js';

export interface RecoveryConfig {
  checkpointSeconds: number;
  reconcileRetrySeconds: number;
}

function int(env: Record<string, string | undefined>, name: string, def: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `'${raw}' is not a whole number`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `${n} is outside ${min}..${max}`);
  return n;
}

export function loadRecoveryConfig(env: Record<string, string | undefined> = process.env): RecoveryConfig {
  return {
    checkpointSeconds: int(env, 'ASTBILL_CHECKPOINT_SECONDS', 30, 0, 3600),
    reconcileRetrySeconds: int(env, 'ASTBILL_RECONCILE_RETRY_SECONDS', 10, 1, 3600),
  };
}

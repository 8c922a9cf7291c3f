/**
 * Settings of the database-failure handling, from the environment (the same names may sit in
 * the ASTBILL_CONFIG JSON file when the caller passes the merged settings as `env`):
 *
 *   ASTBILL_JOURNAL_DIR            where settlements wait while the database is away (./data/journal)
 *   ASTBILL_DB_DEADLINE_MS         longest wait for one store call before it counts as failed (2500)
 *   ASTBILL_DB_FAILURE_POLICY      new calls while the database fails: refuse | allow-capped (refuse)
 *   ASTBILL_DB_FAILURE_SECONDS     the cap of a call allowed under allow-capped (60)
 *   ASTBILL_JOURNAL_REPLAY_SECONDS how often the journal is retried (5)
 *
 * A bad value throws ConfigError naming the setting.
 */
import { intSetting as int, oneOfSetting, type SettingSource as Source } from '../config-values.js';

export type DbFailurePolicy = 'refuse' | 'allow-capped';

export interface ResilienceConfig {
  journalDir: string;
  deadlineMs: number;
  policy: DbFailurePolicy;
  failureSeconds: number;
  replayIntervalMs: number;
}

export function loadResilienceConfig(env: Source): ResilienceConfig {
  const dir = env.ASTBILL_JOURNAL_DIR?.trim() || './data/journal';
  return {
    journalDir: dir,
    deadlineMs: int(env, 'ASTBILL_DB_DEADLINE_MS', 2500, 50, 600_000),
    policy: oneOfSetting<DbFailurePolicy>(env, 'ASTBILL_DB_FAILURE_POLICY', 'refuse', [
      'refuse',
      'allow-capped',
    ]),
    failureSeconds: int(env, 'ASTBILL_DB_FAILURE_SECONDS', 60, 1, 3600),
    replayIntervalMs: int(env, 'ASTBILL_JOURNAL_REPLAY_SECONDS', 5, 1, 3600) * 1000,
  };
}

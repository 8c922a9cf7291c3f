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
import { ConfigError } from '../config.js';

export type DbFailurePolicy = 'refuse' | 'allow-capped';

export interface ResilienceConfig {
  journalDir: string;
  deadlineMs: number;
  policy: DbFailurePolicy;
  failureSeconds: number;
  replayIntervalMs: number;
}

type Source = Record<string, string | undefined>;

function int(src: Source, name: string, def: number, min: number, max: number): number {
  const raw = src[name]?.trim();
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `'${raw}' is not a whole number`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `${n} is outside ${min}..${max}`);
  return n;
}

export function loadResilienceConfig(env: Source = process.env): ResilienceConfig {
  const dir = env.ASTBILL_JOURNAL_DIR?.trim() || './data/journal';
  const policyRaw = env.ASTBILL_DB_FAILURE_POLICY?.trim() || 'refuse';
  if (policyRaw !== 'refuse' && policyRaw !== 'allow-capped') {
    throw new ConfigError('ASTBILL_DB_FAILURE_POLICY', `'${policyRaw}' is not one of refuse, allow-capped`);
  }
  return {
    journalDir: dir,
    deadlineMs: int(env, 'ASTBILL_DB_DEADLINE_MS', 2500, 50, 600_000),
    policy: policyRaw,
    failureSeconds: int(env, 'ASTBILL_DB_FAILURE_SECONDS', 60, 1, 3600),
    replayIntervalMs: int(env, 'ASTBILL_JOURNAL_REPLAY_SECONDS', 5, 1, 3600) * 1000,
  };
}

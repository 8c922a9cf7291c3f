/**
 * The ASTBILL_CONFIG file: one JSON object of SETTING: value, every key one of the settings
 * below. Its type is derived from the TypeBox schema, so the reader and the check cannot drift
 * apart; a key that is not a setting (a typo would otherwise be ignored without a word), a nested
 * value or broken JSON stops start-up with one line.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static, type TOptional, type TUnion } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigError, type SettingSource } from './config-values.js';

/** Every setting astbill reads (README "Configuration" lists them, test/config-file.test.ts checks both agree). */
export const SETTING_NAMES = [
  'ASTBILL_DB',
  'ARI_URL',
  'ARI_USERNAME',
  'ARI_PASSWORD',
  'ARI_APP',
  'ASTBILL_DIAL',
  'ASTBILL_NODE',
  'ASTBILL_RING_TIMEOUT',
  'ASTBILL_MAX_CALL_SECONDS',
  'ASTBILL_WARN_BEFORE',
  'ASTBILL_WARN_SOUND',
  'ASTBILL_ANNOUNCE',
  'ASTBILL_LANGUAGE',
  'ASTBILL_DIGIT_TIMEOUT',
  'ASTBILL_PIN_TRIES',
  'ASTBILL_VOUCHER_NUMBER',
  'ASTBILL_PIN_LOCKOUT_FAILURES',
  'ASTBILL_PIN_LOCKOUT_MINUTES',
  'ASTBILL_PIN_SLOW_FAILURES',
  'ASTBILL_PIN_SLOW_SECONDS',
  'ASTBILL_PIN_REFUSE_FAILURES',
  'ASTBILL_PIN_MIN_LENGTH',
  'ASTBILL_PIN_SECRET',
  'ASTBILL_MAX_SETUPS',
  'ASTBILL_CHARGING_MODE',
  'ASTBILL_GRANT_SECONDS',
  'ASTBILL_GRANT_MARGIN',
  'ASTBILL_GRANT_DEADLINE_MS',
  'ASTBILL_HOUSEKEEPING_CRON',
  'ASTBILL_STALE_MARGIN',
  'ASTBILL_API_PORT',
  'ASTBILL_API_HOST',
  'ASTBILL_API_TOKEN',
  'ASTBILL_API_URL',
  'ASTBILL_REPORT_CRON',
  'ASTBILL_REPORT_DIR',
  'ASTBILL_DB_DEADLINE_MS',
  'ASTBILL_DB_FAILURE_POLICY',
  'ASTBILL_DB_FAILURE_SECONDS',
  'ASTBILL_JOURNAL_DIR',
  'ASTBILL_JOURNAL_REPLAY_SECONDS',
  'ASTBILL_CHECKPOINT_SECONDS',
  'ASTBILL_ANSWER_BATCH_MS',
  'ASTBILL_UNSEEN_END',
  'ASTBILL_GAP_POLL_SECONDS',
  'ASTBILL_RECONCILE_RETRY_SECONDS',
  'ASTBILL_MIN_MARGIN',
  'ASTBILL_FAILOVER_CAUSES',
  'ASTBILL_FAILOVER_SIP',
  'ASTBILL_LCR_ASR_WINDOW',
  'ASTBILL_LCR_ASR_MIN_ATTEMPTS',
  'ASTBILL_LOG_LEVEL',
  'ASTBILL_LOG_FORMAT',
  'ASTBILL_WEBHOOK_URL',
  'ASTBILL_WEBHOOK_SECRET',
  'ASTBILL_WEBHOOK_ATTEMPTS',
  'ASTBILL_WEBHOOK_RETRY_SECONDS',
  'ASTBILL_PAYMENT_SECRET',
  'ASTBILL_PAYMENT_WINDOW_SECONDS',
  'ASTBILL_BLOCK_POLL_SECONDS',
  'ASTBILL_SMTP_HOST',
  'ASTBILL_SMTP_PORT',
  'ASTBILL_SMTP_SECURE',
  'ASTBILL_SMTP_USER',
  'ASTBILL_SMTP_PASSWORD',
  'ASTBILL_MAIL_FROM',
  'ASTBILL_MAIL_TO',
  'ASTBILL_MAIL_ATTEMPTS',
  'ASTBILL_MAIL_RETRY_SECONDS',
] as const;

export type SettingName = (typeof SETTING_NAMES)[number];

const SettingValue = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

type FileProperties = { [K in SettingName]: TOptional<TUnion<typeof SettingValue.anyOf>> };

export const ConfigFileSchema = Type.Object(
  Object.fromEntries(SETTING_NAMES.map((n) => [n, Type.Optional(SettingValue)])) as FileProperties,
  { additionalProperties: false },
);

/** What a config file may hold: any of the settings, each a string, number or boolean. */
export type ConfigFile = Static<typeof ConfigFileSchema>;

/** The settings of the file at `path` (none without a path), as strings like the environment's. */
export function readConfigFile(path: string | undefined): SettingSource {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      'ASTBILL_CONFIG',
      `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError('ASTBILL_CONFIG', `${path} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ConfigError('ASTBILL_CONFIG', `${path} must hold a JSON object of SETTING: value`);
  const problem = Value.Errors(ConfigFileSchema, parsed).First();
  if (problem) {
    const key = problem.path.replace(/^\//, '').split('/')[0] ?? '';
    const known = (SETTING_NAMES as readonly string[]).includes(key);
    throw new ConfigError(
      'ASTBILL_CONFIG',
      known
        ? `${path}: ${key} must be a string, number or boolean`
        : `${path}: '${key}' is not a setting astbill knows (see README, Configuration)`,
    );
  }
  const file: ConfigFile = parsed as ConfigFile;
  const out: SettingSource = {};
  for (const [k, v] of Object.entries(file)) if (v !== undefined) out[k] = String(v);
  return out;
}

/**
 * Configuration from the environment, optionally layered over a JSON config file named by
 * ASTBILL_CONFIG (config-file.ts). This is the only place settings are read: every one is
 * validated here and a bad one stops start-up with a single line naming it (ConfigError),
 * never a stack trace or a half-started daemon.
 */
import { loadMailConfig, type MailConfig } from './notify/mail-config.js';
import { loadPaymentConfig, type PaymentConfig } from './api/payments-config.js';
import { loadWebhookConfig, type WebhookConfig } from './notify/config.js';
import { readConfigFile } from './config-file.js';
import {
  ConfigError,
  boolSetting,
  intSetting,
  oneOfSetting,
  type SettingSource,
} from './config-values.js';
import { CronJob } from './cron-job.js';
import { loadResilienceConfig, type ResilienceConfig } from './resilience/config.js';
import { loadRecoveryConfig, type RecoveryConfig } from './session/recovery-config.js';
import { loadRoutingConfig, type RoutingConfig } from './session/routing-config.js';

export { ConfigError };

export interface DbConfig {
  client: 'mysql' | 'sqlite';
  /** mysql: connection URL (secret: never log it); sqlite: file path or ':memory:'. */
  url: string;
  /** sqlite file path, for sqlite only. */
  filename?: string;
}

export interface Config {
  db: DbConfig;
  ari: { url: string; username: string; password: string; app: string };
  /** Dial-string template with `{number}`, e.g. `PJSIP/{number}@trunk`. */
  dial: string;
  node: string;
  /** Seconds the B leg may ring. */
  ringTimeout: number;
  /** Global cap on one call's talk time (seconds) when the account sets none. */
  maxCallSeconds: number;
  /** Seconds before the limit to play the warning; 0 disables it. */
  warnBefore: number;
  warnSound: string;
  /** Announce balance and minutes before dialling. */
  announce: boolean;
  /** Seconds to wait for the next DTMF digit. */
  digitTimeout: number;
  pinTries: number;
  /** The voucher access number (ASTBILL_VOUCHER_NUMBER): a call to it redeems a code; null: none. */
  voucherNumber: string | null;
  /** Wrong PIN entries from one caller ID within `pinLockoutMinutes` that lock it out; 0 disables the lockout. */
  pinLockoutFailures: number;
  /** Minutes over which wrong PINs are counted, and how long a locked-out caller ID is refused. */
  pinLockoutMinutes: number;
  /** Wrong PINs from all callers (cluster-wide) within the window after which every PIN check waits `pinSlowSeconds`; 0: never. */
  pinSlowFailures: number;
  pinSlowSeconds: number;
  /** Wrong PINs from all callers within the window after which card access is refused; 0: never. */
  pinRefuseFailures: number;
  /** Fewest digits of a new PIN. */
  pinMinLength: number;
  /** Answer marks of calls answered within this many ms are written together (store/answer-batch.ts); 0: each at once. */
  answerBatchMs: number;
  /** Most calls in set-up (offered, not yet dialling) at once; more are refused as OVERLOAD. 0: no bound. */
  maxSetups: number;
  /** Cron expression of the housekeeping job (validated here). */
  housekeepingCron: string;
  /** The daily report schedule (ASTBILL_REPORT_CRON, UTC, into ASTBILL_REPORT_DIR); null: none. */
  reports: { cron: string; dir: string } | null;
  /** Seconds past a reservation's max before housekeeping treats it as stale. */
  staleMargin: number;
  /**
   * Charging mode when the account sets none: 'single' reserves the whole call at once, 'grant'
   * reserves `grantSeconds` at a time and extends `grantMargin` seconds before each grant ends;
   * an extension not committed within `grantDeadlineMs` leaves the call to end at its grant.
   */
  charging: {
    mode: 'single' | 'grant';
    grantSeconds: number;
    releaseMarginSeconds: number;
    extendDeadlineMs: number;
  };
  /** `url`: where `astbill callback` reaches the daemon's API (ASTBILL_API_URL), null: host and port. */
  api: { port: number | null; host: string; token: string | null; url: string | null };
  logLevel: LogLevel;
  /** `json`: JSON lines always; `auto`: a readable format on a terminal, else JSON lines. */
  logFormat: 'auto' | 'json';
  /** Key of the calling-card PIN hashes (ASTBILL_PIN_SECRET); null: the built-in key. */
  pinSecret: string | null;
  /** Secret settings left unset, so that a built-in value known to everyone is in use. */
  builtInSecrets: string[];
  /** Prompt language passed to every ARI playback (`lang`), or null for each channel's own. */
  language: string | null;
  /** Database-failure handling: deadlines, the settlement journal, the outage policy. */
  resilience: ResilienceConfig;
  /** Restart reconciliation and talk-time checkpoints. */
  recovery: RecoveryConfig;
  /** Carrier routing: margin guard and failover table (session/routing-config.ts). */
  routing: RoutingConfig;
  /** Event delivery as signed webhooks (notify/config.ts); null: events stay in the outbox. */
  webhook: WebhookConfig | null;
  /** Event delivery as e-mail (notify/mail-config.ts); null: no mail. */
  mail: MailConfig | null;
  /** POST /payments (api/payments-config.ts); null: not offered. */
  payments: PaymentConfig | null;
}

type Source = SettingSource;

export function parseDbUrl(raw: string): DbConfig {
  if (raw.startsWith('sqlite:')) {
    const filename = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!filename)
      throw new ConfigError(
        'ASTBILL_DB',
        'sqlite: needs a file path, e.g. sqlite:./data/astbill.sqlite',
      );
    return { client: 'sqlite', url: raw, filename };
  }
  if (/^mysql:\/\//.test(raw) || /^mariadb:\/\//.test(raw)) {
    let u: URL;
    try {
      u = new URL(raw.replace(/^mariadb:/, 'mysql:'));
    } catch {
      throw new ConfigError('ASTBILL_DB', 'not a valid mysql://user:pass@host:port/db URL');
    }
    if (!u.hostname || u.pathname.length < 2)
      throw new ConfigError('ASTBILL_DB', 'a mysql URL needs a host and a database name');
    return { client: 'mysql', url: u.toString() };
  }
  throw new ConfigError('ASTBILL_DB', "must start with 'mysql://' or 'sqlite:'");
}

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Secrets whose value may not be a published placeholder (.env.example, ari.conf). */
const SECRET_SETTINGS = [
  'ARI_PASSWORD',
  'ASTBILL_PIN_SECRET',
  'ASTBILL_API_TOKEN',
  'ASTBILL_WEBHOOK_SECRET',
  'ASTBILL_PAYMENT_SECRET',
  'ASTBILL_SMTP_PASSWORD',
] as const;
const PLACEHOLDER = /CHANGE-?ME/i;

/** Refuses a secret still at an example value: everyone who read the repository knows it. */
function refusePlaceholders(src: Source): void {
  for (const name of SECRET_SETTINGS)
    if (PLACEHOLDER.test(src[name] ?? ''))
      throw new ConfigError(name, 'is still the example placeholder: set a long random secret');
  const db = src.ASTBILL_DB ?? '';
  if (/^(mysql|mariadb):/.test(db) && PLACEHOLDER.test(db))
    throw new ConfigError(
      'ASTBILL_DB',
      'the database password is still the example placeholder: set your own',
    );
}

export function loadConfig(env: Source = process.env): Config {
  const src: Source = { ...readConfigFile(env.ASTBILL_CONFIG), ...stripEmpty(env) };
  refusePlaceholders(src);
  const db = parseDbUrl(src.ASTBILL_DB ?? 'sqlite:./data/astbill.sqlite');
  const ariUrl = src.ARI_URL ?? 'http://127.0.0.1:8088';
  try {
    const u = new URL(ariUrl);
    if (!['http:', 'https:'].includes(u.protocol)) throw new Error();
  } catch {
    throw new ConfigError('ARI_URL', `'${ariUrl}' is not an http(s) URL`);
  }
  const dial = src.ASTBILL_DIAL ?? 'PJSIP/{number}@trunk';
  if (!dial.includes('{number}') || !/^[A-Za-z0-9_]+\/\S+$/.test(dial)) {
    throw new ConfigError(
      'ASTBILL_DIAL',
      "must be TECH/... containing {number}, e.g. 'PJSIP/{number}@trunk'",
    );
  }
  const node = src.ASTBILL_NODE ?? 'node1';
  if (!/^[A-Za-z0-9_.-]{1,32}$/.test(node))
    throw new ConfigError('ASTBILL_NODE', 'must be 1-32 letters, digits, _ . -');
  const app = src.ARI_APP ?? 'astbill';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(app))
    throw new ConfigError('ARI_APP', 'must be 1-64 letters, digits, _ . -');
  const apiPortRaw = src.ASTBILL_API_PORT;
  return {
    db,
    ari: {
      url: ariUrl.replace(/\/+$/, ''),
      username: src.ARI_USERNAME ?? 'astbill',
      password: src.ARI_PASSWORD ?? 'astbill',
      app,
    },
    dial,
    node,
    ringTimeout: intSetting(src, 'ASTBILL_RING_TIMEOUT', 45, 1, 600),
    maxCallSeconds: intSetting(src, 'ASTBILL_MAX_CALL_SECONDS', 3600, 1, 86_400),
    warnBefore: intSetting(src, 'ASTBILL_WARN_BEFORE', 30, 0, 3600),
    warnSound: src.ASTBILL_WARN_SOUND ?? 'sound:beep',
    announce: boolSetting(src, 'ASTBILL_ANNOUNCE', true),
    digitTimeout: intSetting(src, 'ASTBILL_DIGIT_TIMEOUT', 5, 1, 60),
    pinTries: intSetting(src, 'ASTBILL_PIN_TRIES', 3, 1, 10),
    voucherNumber: voucherNumber(src.ASTBILL_VOUCHER_NUMBER),
    pinLockoutFailures: intSetting(src, 'ASTBILL_PIN_LOCKOUT_FAILURES', 5, 0, 1000),
    pinLockoutMinutes: intSetting(src, 'ASTBILL_PIN_LOCKOUT_MINUTES', 15, 1, 7 * 24 * 60),
    pinSlowFailures: intSetting(src, 'ASTBILL_PIN_SLOW_FAILURES', 20, 0, 1_000_000),
    pinSlowSeconds: intSetting(src, 'ASTBILL_PIN_SLOW_SECONDS', 5, 1, 60),
    pinRefuseFailures: intSetting(src, 'ASTBILL_PIN_REFUSE_FAILURES', 100, 0, 1_000_000),
    pinMinLength: intSetting(src, 'ASTBILL_PIN_MIN_LENGTH', 6, 4, 20),
    answerBatchMs: intSetting(src, 'ASTBILL_ANSWER_BATCH_MS', 200, 0, 1000),
    maxSetups: intSetting(src, 'ASTBILL_MAX_SETUPS', 150, 0, 100_000),
    housekeepingCron: cronSetting(src, 'ASTBILL_HOUSEKEEPING_CRON') ?? '*/1 * * * *',
    reports: reportSettings(src),
    staleMargin: intSetting(src, 'ASTBILL_STALE_MARGIN', 120, 0, 86_400),
    charging: chargingSettings(src),
    api: {
      port: apiPortRaw ? intSetting(src, 'ASTBILL_API_PORT', 0, 0, 65_535) : null,
      host: src.ASTBILL_API_HOST ?? '127.0.0.1',
      token: src.ASTBILL_API_TOKEN ?? null,
      url: apiUrl(src.ASTBILL_API_URL),
    },
    logLevel: oneOfSetting(src, 'ASTBILL_LOG_LEVEL', 'info', LOG_LEVELS),
    logFormat: oneOfSetting(src, 'ASTBILL_LOG_FORMAT', 'auto', ['auto', 'json'] as const),
    pinSecret: src.ASTBILL_PIN_SECRET ?? null,
    builtInSecrets: ['ARI_PASSWORD', 'ASTBILL_PIN_SECRET'].filter((k) => !src[k]),
    language: promptLanguage(src.ASTBILL_LANGUAGE),
    resilience: loadResilienceConfig(src),
    recovery: loadRecoveryConfig(src),
    routing: loadRoutingConfig(src),
    webhook: loadWebhookConfig(src),
    mail: loadMailConfig(src),
    payments: loadPaymentConfig(src),
  };
}

function voucherNumber(raw: string | undefined): string | null {
  const v = raw?.trim();
  if (!v) return null;
  if (!/^\d{1,20}$/.test(v))
    throw new ConfigError('ASTBILL_VOUCHER_NUMBER', 'must be 1-20 digits (the number dialled)');
  return v;
}

/** A node-cron expression, or undefined when the setting is unset. */
function cronSetting(src: Source, name: string): string | undefined {
  const expression = src[name]?.trim();
  if (!expression) return undefined;
  if (!CronJob.valid(expression))
    throw new ConfigError(name, `'${expression}' is not a valid cron expression`);
  return expression;
}

function reportSettings(src: Source): Config['reports'] {
  const cron = cronSetting(src, 'ASTBILL_REPORT_CRON');
  if (cron === undefined) return null;
  const dir = src.ASTBILL_REPORT_DIR?.trim();
  if (!dir)
    throw new ConfigError(
      'ASTBILL_REPORT_DIR',
      'must be set when ASTBILL_REPORT_CRON is (the directory the CSV files go to)',
    );
  return { cron, dir };
}

function apiUrl(raw: string | undefined): string | null {
  if (!raw) return null;
  try {
    const u = new URL(raw);
    if (!['http:', 'https:'].includes(u.protocol)) throw new Error();
  } catch {
    throw new ConfigError('ASTBILL_API_URL', `'${raw}' is not an http(s) URL`);
  }
  return raw.replace(/\/+$/, '');
}

function chargingSettings(src: Source): Config['charging'] {
  const mode = (src.ASTBILL_CHARGING_MODE ?? 'single').trim().toLowerCase();
  if (mode !== 'single' && mode !== 'grant')
    throw new ConfigError('ASTBILL_CHARGING_MODE', `'${mode}' is not 'single' or 'grant'`);
  const grantSeconds = intSetting(src, 'ASTBILL_GRANT_SECONDS', 60, 6, 86_400);
  const releaseMarginSeconds = intSetting(src, 'ASTBILL_GRANT_MARGIN', 10, 1, 3600);
  if (releaseMarginSeconds >= grantSeconds)
    throw new ConfigError(
      'ASTBILL_GRANT_MARGIN',
      `${releaseMarginSeconds} s must be shorter than a grant (ASTBILL_GRANT_SECONDS ${grantSeconds})`,
    );
  const extendDeadlineMs = intSetting(src, 'ASTBILL_GRANT_DEADLINE_MS', 2500, 100, 60_000);
  if (extendDeadlineMs >= releaseMarginSeconds * 1000)
    throw new ConfigError(
      'ASTBILL_GRANT_DEADLINE_MS',
      `${extendDeadlineMs} ms must be shorter than the release margin (ASTBILL_GRANT_MARGIN ${releaseMarginSeconds} s)`,
    );
  return { mode, grantSeconds, releaseMarginSeconds, extendDeadlineMs };
}

function stripEmpty(env: Source): Source {
  const out: Source = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** An Asterisk sounds language such as `en`, `fr`, `pt_BR`, `en_GB`; empty: the channel's own. */
function promptLanguage(raw: string | undefined): string | null {
  const lang = raw?.trim();
  if (!lang) return null;
  if (!/^[a-z]{2,3}(?:[_-][A-Za-z]{2,4})?$/.test(lang))
    throw new ConfigError(
      'ASTBILL_LANGUAGE',
      `'${lang}' is not a sounds language such as en, fr or pt_BR`,
    );
  return lang;
}

/**
 * Settings are read in one place (loadConfig): every setting the README documents works from the
 * ASTBILL_CONFIG file, a malformed file or a placeholder secret stops with one line and exit 2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../daemon/src/config.js';
import { SETTING_NAMES } from '../daemon/src/config-file.js';
import { formatMoney } from '../daemon/src/rating/index.js';
import { astbill } from './cli/run-cli.js';

/** Every setting of the README's Configuration table, a value unlike its default, and where it shows. */
const CHECKS: Record<string, [string | number | boolean, (c: Config) => unknown]> = {
  ASTBILL_DB: ['sqlite:/tmp/from-file.sqlite', (c) => c.db.url],
  ARI_URL: ['http://pbx.example:8088', (c) => c.ari.url],
  ARI_USERNAME: ['billing', (c) => c.ari.username],
  ARI_PASSWORD: ['file-password-123456', (c) => c.ari.password],
  ARI_APP: ['billing-app', (c) => c.ari.app],
  ASTBILL_DIAL: ['PJSIP/{number}@carrier', (c) => c.dial],
  ASTBILL_NODE: ['filenode', (c) => c.node],
  ASTBILL_RING_TIMEOUT: [33, (c) => c.ringTimeout],
  ASTBILL_MAX_CALL_SECONDS: [1234, (c) => c.maxCallSeconds],
  ASTBILL_WARN_BEFORE: [12, (c) => c.warnBefore],
  ASTBILL_WARN_SOUND: ['sound:vm-goodbye', (c) => c.warnSound],
  ASTBILL_ANNOUNCE: [false, (c) => c.announce],
  ASTBILL_LANGUAGE: ['fr', (c) => c.language],
  ASTBILL_DIGIT_TIMEOUT: [9, (c) => c.digitTimeout],
  ASTBILL_PIN_TRIES: [2, (c) => c.pinTries],
  ASTBILL_VOUCHER_NUMBER: ['8100', (c) => c.voucherNumber],
  ASTBILL_PIN_LOCKOUT_FAILURES: [7, (c) => c.pinLockoutFailures],
  ASTBILL_PIN_LOCKOUT_MINUTES: [31, (c) => c.pinLockoutMinutes],
  ASTBILL_PIN_SLOW_FAILURES: [44, (c) => c.pinSlowFailures],
  ASTBILL_PIN_SLOW_SECONDS: [3, (c) => c.pinSlowSeconds],
  ASTBILL_PIN_REFUSE_FAILURES: [444, (c) => c.pinRefuseFailures],
  ASTBILL_PIN_MIN_LENGTH: [8, (c) => c.pinMinLength],
  ASTBILL_PIN_SECRET: ['file-pin-secret-0123456789', (c) => c.pinSecret],
  ASTBILL_MAX_SETUPS: [77, (c) => c.maxSetups],
  ASTBILL_CHARGING_MODE: ['grant', (c) => c.charging.mode],
  ASTBILL_GRANT_SECONDS: [120, (c) => c.charging.grantSeconds],
  ASTBILL_GRANT_MARGIN: [20, (c) => c.charging.releaseMarginSeconds],
  ASTBILL_GRANT_DEADLINE_MS: [3000, (c) => c.charging.extendDeadlineMs],
  ASTBILL_HOUSEKEEPING_CRON: ['*/5 * * * *', (c) => c.housekeepingCron],
  ASTBILL_STALE_MARGIN: [300, (c) => c.staleMargin],
  ASTBILL_API_PORT: [8099, (c) => c.api.port],
  ASTBILL_API_HOST: ['0.0.0.0', (c) => c.api.host],
  ASTBILL_API_TOKEN: ['file-token-0123456789abcdef', (c) => c.api.token],
  ASTBILL_API_URL: ['http://billing.example:8099', (c) => c.api.url],
  ASTBILL_REPORT_CRON: ['15 0 * * *', (c) => c.reports?.cron],
  ASTBILL_REPORT_DIR: ['/tmp/reports-from-file', (c) => c.reports?.dir],
  ASTBILL_DB_DEADLINE_MS: [4000, (c) => c.resilience.deadlineMs],
  ASTBILL_DB_FAILURE_POLICY: ['allow-capped', (c) => c.resilience.policy],
  ASTBILL_DB_FAILURE_SECONDS: [90, (c) => c.resilience.failureSeconds],
  ASTBILL_JOURNAL_DIR: ['/tmp/journal-from-file', (c) => c.resilience.journalDir],
  ASTBILL_JOURNAL_REPLAY_SECONDS: [7, (c) => c.resilience.replayIntervalMs / 1000],
  ASTBILL_CHECKPOINT_SECONDS: [45, (c) => c.recovery.checkpointSeconds],
  ASTBILL_ANSWER_BATCH_MS: [300, (c) => c.answerBatchMs],
  ASTBILL_UNSEEN_END: ['first-gone', (c) => c.recovery.unseenEnd],
  ASTBILL_GAP_POLL_SECONDS: [17, (c) => c.recovery.gapPollSeconds],
  ASTBILL_RECONCILE_RETRY_SECONDS: [25, (c) => c.recovery.reconcileRetrySeconds],
  ASTBILL_MIN_MARGIN: ['0.01000', (c) => formatMoney(c.routing.minMarginPerMin)],
  ASTBILL_FAILOVER_CAUSES: ['34,38', (c) => c.routing.failover.causes.join(',')],
  ASTBILL_FAILOVER_SIP: ['404,503', (c) => c.routing.failover.sip.join(',')],
  ASTBILL_LCR_ASR_WINDOW: [900, (c) => c.routing.asrWindowSecs],
  ASTBILL_LCR_ASR_MIN_ATTEMPTS: [20, (c) => c.routing.asrMinAttempts],
  ASTBILL_LOG_LEVEL: ['debug', (c) => c.logLevel],
  ASTBILL_LOG_FORMAT: ['json', (c) => c.logFormat],
  ASTBILL_WEBHOOK_URL: ['http://127.0.0.1:9/hook', (c) => c.webhook?.url],
  ASTBILL_WEBHOOK_SECRET: ['webhook-secret-1234567', (c) => c.webhook?.secret],
  ASTBILL_WEBHOOK_ATTEMPTS: [5, (c) => c.webhook?.maxAttempts],
  ASTBILL_WEBHOOK_RETRY_SECONDS: [7, (c) => c.webhook?.retrySeconds],
  ASTBILL_PAYMENT_SECRET: ['payment-secret-12345678', (c) => c.payments?.secret],
  ASTBILL_PAYMENT_WINDOW_SECONDS: [60, (c) => c.payments?.windowSeconds],
  ASTBILL_BLOCK_POLL_SECONDS: [9, (c) => c.recovery.blockPollSeconds],
  ASTBILL_SMTP_HOST: ['smtp.example.net', (c) => c.mail?.host],
  ASTBILL_SMTP_PORT: [2525, (c) => c.mail?.port],
  ASTBILL_SMTP_SECURE: ['true', (c) => (c.mail?.secure ? 'true' : 'false')],
  ASTBILL_SMTP_USER: ['billing', (c) => c.mail?.auth?.user],
  ASTBILL_SMTP_PASSWORD: ['smtp-pass-1234', (c) => c.mail?.auth?.pass],
  ASTBILL_MAIL_FROM: ['billing@example.net', (c) => c.mail?.from],
  ASTBILL_MAIL_TO: ['noc@example.net', (c) => c.mail?.to.join(',')],
  ASTBILL_MAIL_ATTEMPTS: [3, (c) => c.mail?.maxAttempts],
  ASTBILL_MAIL_RETRY_SECONDS: [11, (c) => c.mail?.retrySeconds],
};

/** The settings named in the first column of the README's Configuration table. */
function documentedSettings(): string[] {
  const section = readFileSync('README.md', 'utf8')
    .split('## Configuration')[1]!
    .split('\n## ')[0]!;
  return section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .flatMap((l) => [...l.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!))
    .filter((n) => n !== 'ASTBILL_CONFIG');
}

describe('settings, read in one place', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'astbill-cfgfile-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (content: unknown) => {
    const file = join(dir, 'astbill.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const problem = (env: Record<string, string>): ConfigError => {
    try {
      loadConfig(env);
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      assert.ok(!err.message.includes('\n'));
      return err;
    }
    assert.fail('accepted');
  };

  it('knows exactly the settings the README documents, and checks each of them here', () => {
    assert.deepEqual([...documentedSettings()].sort(), [...SETTING_NAMES].sort());
    assert.deepEqual(Object.keys(CHECKS).sort(), [...SETTING_NAMES].sort());
  });

  it('takes every documented setting from the config file', () => {
    const defaults = loadConfig({});
    const file = write(Object.fromEntries(Object.entries(CHECKS).map(([k, [v]]) => [k, v])));
    const c = loadConfig({ ASTBILL_CONFIG: file });
    for (const [name, [value, read]] of Object.entries(CHECKS)) {
      assert.equal(read(c), value, name);
      assert.notEqual(read(defaults), value, `${name}: the check must differ from the default`);
    }
  });

  it('refuses a key that is not a setting, a nested value and broken JSON in one line', () => {
    const typo = problem({ ASTBILL_CONFIG: write({ ASTBILL_REPORT_CRONN: '15 0 * * *' }) });
    assert.equal(typo.setting, 'ASTBILL_CONFIG');
    assert.match(typo.message, /'ASTBILL_REPORT_CRONN' is not a setting/);
    const nested = problem({ ASTBILL_CONFIG: write({ ASTBILL_NODE: { name: 'x' } }) });
    assert.match(nested.message, /ASTBILL_NODE must be a string, number or boolean/);
    assert.match(problem({ ASTBILL_CONFIG: write('[1, 2]') }).message, /JSON object/);
    assert.match(problem({ ASTBILL_CONFIG: write('{"a":') }).message, /not valid JSON/);
  });

  it('checks the log level and the housekeeping cron like every other setting', () => {
    assert.equal(problem({ ASTBILL_LOG_LEVEL: 'verbose' }).setting, 'ASTBILL_LOG_LEVEL');
    assert.equal(
      problem({ ASTBILL_HOUSEKEEPING_CRON: 'every minute' }).setting,
      'ASTBILL_HOUSEKEEPING_CRON',
    );
  });

  it('refuses every secret still at its example placeholder, naming the setting', () => {
    for (const [name, value] of [
      ['ASTBILL_PIN_SECRET', 'CHANGE-ME-pin-secret'],
      ['ARI_PASSWORD', 'CHANGE-ME-ari-password'],
      ['ASTBILL_API_TOKEN', 'CHANGE-ME-api-token'],
      ['ASTBILL_DB', 'mysql://astbill:CHANGE-ME-db-password@mariadb:3306/astbill'],
    ] as const) {
      const err = problem({ [name]: value });
      assert.equal(err.setting, name);
      assert.match(err.message, /placeholder/);
      assert.ok(!err.message.includes('CHANGE-ME'), 'the value itself is not echoed');
    }
    const fromFile = problem({ ASTBILL_CONFIG: write({ ARI_PASSWORD: 'CHANGE-ME-ari-password' }) });
    assert.equal(fromFile.setting, 'ARI_PASSWORD');
  });

  it('astbill start refuses a placeholder and a malformed file with one line and exit 2', async function () {
    this.timeout(60_000);
    const db = `sqlite:${join(dir, 'x.sqlite')}`;
    const [placeholder, typo] = await Promise.all([
      astbill(db, ['start'], { ASTBILL_PIN_SECRET: 'CHANGE-ME-pin-secret' }),
      astbill(db, ['account', 'list'], { ASTBILL_CONFIG: write({ ASTBILL_NOD: 'x' }) }),
    ]);
    for (const [r, re] of [
      [placeholder, /^astbill: invalid configuration ASTBILL_PIN_SECRET: .*placeholder/],
      [typo, /^astbill: invalid configuration ASTBILL_CONFIG: .*'ASTBILL_NOD' is not a setting/],
    ] as const) {
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, re);
    }
  });
});

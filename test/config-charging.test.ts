import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../daemon/src/config.js';

describe('charging-mode settings', () => {
  it('default to single mode with 60 s grants, a 10 s margin and a 2.5 s extension deadline', () => {
    assert.deepEqual(loadConfig({}).charging, {
      mode: 'single',
      grantSeconds: 60,
      releaseMarginSeconds: 10,
      extendDeadlineMs: 2500,
    });
  });

  it('take grant mode and its sizes from the environment', () => {
    const c = loadConfig({
      ASTBILL_CHARGING_MODE: 'grant',
      ASTBILL_GRANT_SECONDS: '300',
      ASTBILL_GRANT_MARGIN: '15',
      ASTBILL_GRANT_DEADLINE_MS: '4000',
    });
    assert.deepEqual(c.charging, {
      mode: 'grant',
      grantSeconds: 300,
      releaseMarginSeconds: 15,
      extendDeadlineMs: 4000,
    });
  });

  it('refuse a mode that does not exist, a margin as long as a grant, and a deadline as long as the margin', () => {
    assert.throws(
      () => loadConfig({ ASTBILL_CHARGING_MODE: 'postpaid' }),
      (e: unknown) => e instanceof ConfigError && e.setting === 'ASTBILL_CHARGING_MODE',
    );
    assert.throws(
      () => loadConfig({ ASTBILL_GRANT_SECONDS: '30', ASTBILL_GRANT_MARGIN: '30' }),
      (e: unknown) => e instanceof ConfigError && e.setting === 'ASTBILL_GRANT_MARGIN',
    );
    assert.throws(
      () => loadConfig({ ASTBILL_GRANT_DEADLINE_MS: '10000' }),
      (e: unknown) => e instanceof ConfigError && e.setting === 'ASTBILL_GRANT_DEADLINE_MS',
    );
  });
});

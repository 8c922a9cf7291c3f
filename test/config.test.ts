import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../daemon/src/config.js';

describe('configuration', () => {
  it('runs with no settings at all on the embedded SQLite default', () => {
    const c = loadConfig({});
    expect(c.db).to.deep.include({ client: 'sqlite', filename: './data/astbill.sqlite' });
    expect(c.ari).to.deep.include({ url: 'http://127.0.0.1:8088', app: 'astbill' });
    expect(c.maxCallSeconds).to.equal(3600);
    expect(c.pinLockoutFailures).to.equal(5);
    expect(c.pinLockoutMinutes).to.equal(15);
    expect(c.ringTimeout).to.equal(45);
  });

  it('reads a MySQL URL and the dial template from the environment', () => {
    const c = loadConfig({
      ASTBILL_DB: 'mysql://bill:s3cret@db:3306/astbill',
      ASTBILL_DIAL: 'PJSIP/{number}@trunk',
    });
    expect(c.db.client).to.equal('mysql');
    expect(c.dial).to.equal('PJSIP/{number}@trunk');
  });

  const bad: Array<[string, Record<string, string>]> = [
    ['ASTBILL_DB', { ASTBILL_DB: 'postgres://x/y' }],
    ['ASTBILL_DB', { ASTBILL_DB: 'mysql://host-only' }],
    ['ARI_URL', { ARI_URL: 'ftp://asterisk' }],
    ['ASTBILL_DIAL', { ASTBILL_DIAL: 'PJSIP/trunk' }],
    ['ASTBILL_NODE', { ASTBILL_NODE: 'node one' }],
    ['ASTBILL_RING_TIMEOUT', { ASTBILL_RING_TIMEOUT: '-3' }],
    ['ASTBILL_MAX_CALL_SECONDS', { ASTBILL_MAX_CALL_SECONDS: '99999999' }],
    ['ASTBILL_ANNOUNCE', { ASTBILL_ANNOUNCE: 'maybe' }],
    ['ASTBILL_LANGUAGE', { ASTBILL_LANGUAGE: 'french please' }],
    ['ASTBILL_PIN_LOCKOUT_FAILURES', { ASTBILL_PIN_LOCKOUT_FAILURES: 'five' }],
    ['ASTBILL_PIN_LOCKOUT_MINUTES', { ASTBILL_PIN_LOCKOUT_MINUTES: '0' }],
    ['ASTBILL_LCR_ASR_WINDOW', { ASTBILL_LCR_ASR_WINDOW: '1h' }],
    ['ASTBILL_LCR_ASR_MIN_ATTEMPTS', { ASTBILL_LCR_ASR_MIN_ATTEMPTS: '0' }],
  ];
  for (const [setting, env] of bad) {
    it(`names ${setting} in a one-line error when it is invalid (${Object.values(env)[0]})`, () => {
      let err: unknown;
      try {
        loadConfig(env);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).setting).to.equal(setting);
      expect((err as Error).message)
        .to.include(setting)
        .and.not.include('\n');
    });
  }

  it('never puts the database password into an error message', () => {
    expect(() => loadConfig({ ASTBILL_DB: 'mysql://bill:hunter2@/' }))
      .to.throw(ConfigError)
      .that.satisfies((e: Error) => !e.message.includes('hunter2'));
  });

  it('names the secret settings left at their built-in values, wherever the others come from', () => {
    expect(loadConfig({}).builtInSecrets).to.deep.equal(['ARI_PASSWORD', 'ASTBILL_PIN_SECRET']);
    const dir = mkdtempSync(join(tmpdir(), 'astbill-cfg-'));
    const file = join(dir, 'astbill.json');
    writeFileSync(file, JSON.stringify({ ASTBILL_PIN_SECRET: 'from-the-file-0123456789' }));
    const c = loadConfig({ ASTBILL_CONFIG: file, ARI_PASSWORD: 'hunter2hunter2' });
    expect(c.builtInSecrets).to.deep.equal([]);
    expect(c.pinSecret).to.equal('from-the-file-0123456789');
  });

  it('layers the environment over a JSON config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'astbill-cfg-'));
    const file = join(dir, 'astbill.json');
    writeFileSync(file, JSON.stringify({ ASTBILL_NODE: 'fromfile', ASTBILL_RING_TIMEOUT: 30 }));
    const c = loadConfig({ ASTBILL_CONFIG: file, ASTBILL_NODE: 'fromenv' });
    expect(c.node).to.equal('fromenv');
    expect(c.ringTimeout).to.equal(30);
    writeFileSync(file, '{not json');
    expect(() => loadConfig({ ASTBILL_CONFIG: file })).to.throw(ConfigError, 'ASTBILL_CONFIG');
  });
});

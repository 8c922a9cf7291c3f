/**
 * The CLI's money and configuration changes in the audit trail, seen on the console's audit
 * page: a rate-deck version (`rate import --effective`), an event resend, a trunk, number
 * rules, a charging mode and a new operator, each recorded as the operating-system user with
 * what it replaced. The CLI runs as a real process against the database a daemon is using.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { OperatorStore } from '../../daemon/src/store/operators/index.js';
import { forEachDatabase } from '../support/db.js';
import { startE2e, type E2e } from '../e2e/harness.js';
import { astbill } from '../cli/run-cli.js';
import { launch, logIn, shot } from './browser.js';

const TOKEN = 'audit-token-0123456789abcdef';
const PASSWORD = 'audit password 1';

describe('CLI changes in the console audit trail', function () {
  this.timeout(90_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    let browser: Browser;
    let ops: OperatorStore;
    const me = `cli:${userInfo().username}`;
    const cli = async (args: string[], env: Record<string, string> = {}) => {
      const r = await astbill(tdb.url, args, env);
      assert.equal(r.code, 0, `astbill ${args.join(' ')}: ${r.stderr}`);
      return r;
    };

    before(async () => {
      browser = await launch();
      e = await startE2e(tdb, {
        env: { ASTBILL_API_PORT: '0', ASTBILL_API_TOKEN: TOKEN },
        startTime: Date.now(),
      });
      await e.t.seedRate({ prefix: '44', rate: '0.05', initial: 60, increment: 6 });
      await e.t.seedAccount({ name: 'dora', balance: '1' });
      ops = new OperatorStore(e.t.db);
      await ops.add({ name: 'ada', role: 'admin', password: PASSWORD });
    });
    after(async () => {
      await browser?.close();
      await e?.close();
    });

    it('records each change with who, what it replaced and what it became', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'astbill-audit-'));
      const deck = join(dir, 'deck.csv');
      writeFileSync(
        deck,
        'tariff,prefix,description,rate_per_min,connect_fee,initial_secs,increment_secs,min_secs\n' +
          'default,44,UK,0.07,0,60,60,0\ndefault,49,Germany,0.09,0,60,60,0\n',
      );
      await cli(['rate', 'import', deck, '--effective', '2030-01-01T00:00:00Z', '--yes']);
      // A large top-up makes an outbox event to resend (no webhook is configured: it stays pending).
      await e.t.store.setCaps('dora', { largeTopup: 100_000n });
      await e.t.store.topup('dora', 500_000n);
      const [event] = await e.t.store.listEvents({ account: 'dora' });
      await cli(['events', 'resend', String(event!.id)]);
      await cli(['trunk', 'add', 'carrier-a', '--dial', 'PJSIP/{number}@carrier-a']);
      await cli(['trunk', 'disable', 'carrier-a']);
      await cli(['number', 'set', '--tariff', 'default', 'intl:00']);
      await cli(['account', 'charging', 'dora', 'grant', '--grant-seconds', '60']);
      await cli(['user', 'add', 'lee', '--role', 'support'], {
        ASTBILL_USER_PASSWORD: 'lee password 12',
      });

      const rows = (await ops.audit()).reverse().filter((a) => a.actor === me);
      assert.deepEqual(
        rows.map((a) => [a.action, a.target]),
        [
          ['rates.version', 'tariff:default'],
          ['event.resend', `event:${event!.id}`],
          ['trunk.add', 'trunk:carrier-a'],
          ['trunk.disable', 'trunk:carrier-a'],
          ['number.rules', 'numbers:tariff:default'],
          ['charging', 'account:dora'],
          ['operator.add', 'operator:lee'],
        ],
      );
      const [version, resend, , disable, rules, charging, operator] = rows;
      assert.deepEqual(version!.before, {
        effective: '1970-01-01T00:00:00.000Z',
        removed: [],
        changed: [
          {
            tariff: 'default',
            prefix: '44',
            ratePerMin: '0.05000',
            connectFee: '0.00000',
            initialSecs: 60,
            incrementSecs: 6,
            minSecs: 0,
          },
        ],
      });
      assert.deepEqual(
        [version!.after!.effective, version!.after!.added, version!.after!.changed],
        ['2030-01-01T00:00:00.000Z', 1, 1],
      );
      assert.deepEqual(resend!.before, {
        kind: 'large_topup',
        state: 'pending',
        attempts: 0,
        lastError: null,
      });
      assert.deepEqual([disable!.before, disable!.after], [{ enabled: true }, { enabled: false }]);
      assert.deepEqual([rules!.before, rules!.after], [{ rules: [] }, { rules: ['intl:00'] }]);
      assert.deepEqual(charging!.after, { mode: 'grant', grantSeconds: 60 });
      assert.deepEqual(operator!.after, { role: 'support' }, 'no password in the trail');

      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const base = `http://127.0.0.1:${e.daemon.apiAddress!.port}`;
      await logIn(page, base, 'ada', PASSWORD);
      await page.goto(`${base}/console/#/audit`);
      for (const action of ['rates.version', 'event.resend', 'trunk.add', 'operator.add'])
        await page.getByRole('cell', { name: action, exact: true }).waitFor();
      assert.ok((await page.getByRole('cell', { name: me, exact: true }).count()) >= 7);
      await shot(page, `${tdb.kind}-audit-cli`);
      const filter = page.getByRole('form', { name: 'filter audit' });
      await filter.getByLabel('Target').fill('tariff:default');
      await filter.getByRole('button', { name: 'Filter' }).click();
      await page.getByRole('cell', { name: 'event.resend' }).waitFor({ state: 'detached' });
      assert.deepEqual(await page.locator('tbody tr td:nth-child(3)').allTextContents(), [
        'rates.version',
      ]);
      await shot(page, `${tdb.kind}-audit-filtered`);
      await page.close();
    });
  });
});

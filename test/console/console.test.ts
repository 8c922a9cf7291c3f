/**
 * The operator console in a real browser, against the real daemon, the ARI simulator and the
 * database: each role logs in; an admin creates an account, previews a rate CSV with a bad line
 * (nothing written), imports it, tops up, sees a simulated call in live calls and on the
 * dashboard, hangs it up from the console and finds its CDR; read-only and support are refused
 * by the API itself what their role does not allow. Every page is saved as a screenshot.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { OperatorStore } from '../../daemon/src/store/operators/index.js';
import { forEachDatabase } from '../support/db.js';
import { quiet, settledCdr, startE2e, talking, waitFor, type E2e } from '../e2e/harness.js';
import { launch, logIn, shot } from './browser.js';

const TOKEN = 'console-token-0123456789abcdef';
const PASSWORD = 'console password 1';

describe('the operator console in Chromium', function () {
  this.timeout(90_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    let base: string;
    let browser: Browser;
    let admin: Page;
    const cspViolations: string[] = [];
    const tag = tdb.kind;

    before(async () => {
      browser = await launch();
      e = await startE2e(tdb, {
        env: { ASTBILL_API_PORT: '0', ASTBILL_API_TOKEN: TOKEN },
        startTime: Date.now(),
      });
      base = `http://127.0.0.1:${e.daemon.apiAddress!.port}`;
      await e.t.seedRate({ prefix: '44', rate: '0.06', initial: 1, increment: 1 });
      const ops = new OperatorStore(e.t.db);
      for (const [name, role] of [
        ['ada', 'admin'],
        ['sam', 'support'],
        ['rita', 'read-only'],
      ] as const)
        await ops.add({ name, role, password: PASSWORD });
      admin = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      admin.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
      });
    });
    after(async () => {
      await browser?.close();
      await e?.close();
    });

    it('serves the console with a strict CSP and nothing from another origin', async () => {
      const res = await fetch(`${base}/console/`);
      assert.equal(res.status, 200);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      const html = await res.text();
      assert.doesNotMatch(html, /<script>|https?:\/\//, 'no inline script, no other origin');
      const data = await fetch(`${base}/dashboard`);
      assert.equal(data.status, 401, 'the data needs a login');
      assert.equal(data.headers.get('x-content-type-options'), 'nosniff');
      assert.match(data.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    });

    it('logs an admin in through the form and shows the dashboard with health', async () => {
      await logIn(admin, base, 'ada', PASSWORD);
      await admin.getByTestId('database').getByText('reachable').waitFor();
      await admin.getByTestId('ari').getByText('connected').waitFor();
      await shot(admin, `${tag}-dashboard`);
    });

    it('creates an account and tops it up, showing exact decimals', async () => {
      await admin.goto(`${base}/console/#/accounts`);
      const form = admin.getByRole('form', { name: 'create account' });
      await form.getByLabel('Name').fill('carol');
      await form.getByLabel('Opening balance').fill('0.10');
      await form.getByRole('button', { name: 'Create' }).click();
      await admin.getByRole('heading', { name: 'Account carol (active)' }).waitFor();
      await admin.getByLabel('Top-up amount').fill('5.15');
      await admin.getByRole('button', { name: 'Top up' }).click();
      await admin.getByTestId('acct-balance').getByText('5.25 EUR').waitFor();
      assert.equal((await e.t.store.accountDetails('carol'))!.balance, 525_000n);
      await admin.getByRole('cell', { name: 'topup' }).first().waitFor();
      await shot(admin, `${tag}-accounts`);
    });

    it('previews a rate CSV, lists every bad line and writes nothing, then imports a good one', async () => {
      await admin.goto(`${base}/console/#/rates`);
      const header =
        'tariff,prefix,description,rate_per_min,connect_fee,initial_secs,increment_secs,min_secs';
      const bad = [
        header,
        'default,49,Germany,0.08,0,60,60,0',
        'default,33,France,abc,0,60,60,0',
        'default,,x,0.1,0,60,60,0',
      ];
      await admin.getByLabel('rate CSV', { exact: true }).fill(bad.join('\n'));
      await admin.getByRole('button', { name: 'Preview' }).click();
      const problems = admin.getByRole('list', { name: 'bad lines' });
      await problems.waitFor();
      const items = await problems.getByRole('listitem').allTextContents();
      assert.equal(items.length, 2, items.join(' | '));
      assert.match(items[0]!, /^line 3: /);
      assert.match(items[1]!, /^line 4: prefix is required/);
      assert.equal(await admin.getByRole('button', { name: 'Import' }).isDisabled(), true);
      assert.deepEqual(
        (await e.t.store.listRates()).map((r) => r.prefix),
        ['44'],
      );
      await shot(admin, `${tag}-rates-bad-lines`);

      await admin
        .getByLabel('rate CSV', { exact: true })
        .fill([header, 'default,49,Germany,0.08,0,60,60,0'].join('\n'));
      await admin.getByRole('button', { name: 'Preview' }).click();
      await admin.getByText('1 rate(s) ready to import').waitFor();
      assert.deepEqual(
        (await e.t.store.listRates()).map((r) => r.prefix),
        ['44'],
        'a preview writes nothing',
      );
      await admin.getByRole('button', { name: 'Import' }).click();
      await admin.getByText('imported 1 rate(s): 1 added, 0 updated').waitFor();
      await admin.getByRole('cell', { name: 'Germany' }).waitFor();
      assert.deepEqual(
        (await e.t.store.listRates()).map((r) => r.prefix),
        ['44', '49'],
      );
      await shot(admin, `${tag}-rates`);
    });

    it('shows a simulated call in live calls and on the dashboard, hangs it up, finds its CDR', async () => {
      const call = e.sim.placeCall({ exten: '4420100', accountcode: 'carol', callerId: '5550100' });
      const A = call.channelId;
      await waitFor('talking', () => talking(e, A));
      await admin.goto(`${base}/console/#/dashboard`);
      await admin.getByTestId('live-calls').getByText('1', { exact: true }).waitFor();
      // The concurrent-calls chart: this minute's bar is the one call the database holds.
      await admin.getByTestId('concurrent-summary').getByText('now 1 · peak 1').waitFor();
      const thisMinute = admin.getByTestId('concurrent-chart').locator('rect[data-minute="0"]');
      assert.equal(await thisMinute.getAttribute('data-value'), '1');
      assert.equal((await e.t.store.reservations()).length, 1);
      await shot(admin, `${tag}-dashboard-live`);
      await admin.goto(`${base}/console/#/calls`);
      const row = admin.locator(`tr[data-call="${A}"]`);
      await row.getByRole('cell', { name: 'carol' }).waitFor();
      await row.getByRole('cell', { name: '4420100' }).waitFor();
      await shot(admin, `${tag}-calls`);
      e.advance(30_000);
      await row.getByRole('button', { name: 'Hang up' }).click();
      await admin.getByText(`hang-up requested for ${A}`).waitFor();
      const cdr = await settledCdr(e, A);
      assert.equal(cdr.note, 'ended by astbill: operator');
      assert.equal(cdr.billsec, 30);
      assert.equal(e.sim.ended(A)?.hungUpBy, 'app');
      await row.waitFor({ state: 'detached' });
      await quiet(e);
      // Live over the event stream: the call is gone, the hour keeps its peak.
      await admin.goto(`${base}/console/#/dashboard`);
      await admin.getByTestId('concurrent-summary').getByText('now 0 · peak 1').waitFor();
      assert.equal((await e.t.store.reservations()).length, 0);
      await shot(admin, `${tag}-dashboard-after-call`);

      await admin.goto(`${base}/console/#/cdrs`);
      const filter = admin.getByRole('form', { name: 'filter CDRs' });
      await filter.getByLabel('Account').fill('carol');
      await filter.getByRole('button', { name: 'Filter' }).click();
      await admin.getByRole('cell', { name: '4420100' }).waitFor();
      await admin
        .getByTestId('cdr-totals')
        .getByText('1 call(s), 30 billed seconds, cost 0.03')
        .waitFor();
      await shot(admin, `${tag}-cdrs`);
      await admin.goto(`${base}/console/#/audit`);
      await admin.getByRole('cell', { name: 'account:carol' }).first().waitFor();
      await shot(admin, `${tag}-audit`);
      assert.deepEqual(cspViolations, []);
    });

    it('a read-only user sees no top-up, and the API refuses one sent anyway', async () => {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
      await logIn(page, base, 'rita', PASSWORD);
      await shot(page, `${tag}-phone-dashboard`);
      await page.goto(`${base}/console/#/accounts`);
      await page.getByRole('button', { name: 'carol' }).click();
      await page.getByRole('heading', { name: 'Account carol (active)' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Top up' }).count(), 0);
      const before = (await e.t.store.accountDetails('carol'))!.balance;
      const status = await page.evaluate(async () => {
        const s = await (await fetch('/session')).json();
        const r = await fetch('/accounts/carol/topup', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrf },
          body: JSON.stringify({ amount: '100' }),
        });
        return r.status;
      });
      assert.equal(status, 403);
      assert.equal((await e.t.store.accountDetails('carol'))!.balance, before);
      await shot(page, `${tag}-phone-accounts-read-only`);
      await page.close();
    });

    it('a support user tops up and blocks but is refused a rate import', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await logIn(page, base, 'sam', PASSWORD);
      await page.goto(`${base}/console/#/accounts`);
      await page.getByRole('button', { name: 'carol' }).click();
      await page.getByLabel('Top-up amount').fill('1');
      await page.getByRole('button', { name: 'Top up' }).click();
      await page.getByText('topped up 1').waitFor();
      await page.getByRole('button', { name: 'Block' }).click();
      await page.getByRole('heading', { name: 'Account carol (blocked)' }).waitFor();
      await page.goto(`${base}/console/#/rates`);
      await page.getByRole('heading', { name: 'Rates' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Preview' }).count(), 0);
      const status = await page.evaluate(async () => {
        const s = await (await fetch('/session')).json();
        const r = await fetch('/rates/import', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrf },
          body: JSON.stringify({ csv: 'tariff,prefix,rate_per_min\ndefault,1,0.01', commit: true }),
        });
        return r.status;
      });
      assert.equal(status, 403);
      assert.deepEqual(
        (await e.t.store.listRates()).map((r) => r.prefix),
        ['44', '49'],
      );
      const audit = (await new OperatorStore(e.t.db).audit({ target: 'account:carol' })).reverse();
      assert.deepEqual(
        audit.map((a) => [a.actor, a.action]),
        [
          ['user:ada', 'account.create'],
          ['user:ada', 'topup'],
          ['user:sam', 'topup'],
          ['user:sam', 'block'],
        ],
      );
      await page.close();
    });
  });
});

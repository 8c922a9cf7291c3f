/**
 * An account's limits and caller IDs from the console, in Chromium, against the real daemon,
 * the ARI simulator and the database: an admin sets the credit limit, call limit and longest
 * call and the next call obeys them; support adds and removes caller IDs and a call from the
 * new number is billed to the account; support cannot change a limit and read-only cannot
 * change a caller ID (the API refuses, not only the page); every change is in the audit trail
 * with its values before and after. Disabling an operator logs their open console out.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { OperatorStore, type AuditEntry } from '../../daemon/src/store/operators/index.js';
import { forEachDatabase } from '../support/db.js';
import {
  bLegsOf,
  driveUntil,
  quiet,
  settledCdr,
  startE2e,
  talking,
  waitFor,
  type E2e,
} from '../e2e/harness.js';
import { launch, logIn, shot } from './browser.js';

const TOKEN = 'limits-token-0123456789abcdef';
const PASSWORD = 'limits password 1';

/** A POST from inside the page with the session's own CSRF token: what a crafted request does. */
async function postAs(page: Page, path: string, body: unknown): Promise<number> {
  return page.evaluate(
    async ([p, b]) => {
      const s = await (await fetch('/session')).json();
      const r = await fetch(p as string, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrf },
        body: JSON.stringify(b),
      });
      return r.status;
    },
    [path, body] as const,
  );
}

describe('account limits and caller IDs in the console', function () {
  this.timeout(90_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    let base: string;
    let browser: Browser;
    let ops: OperatorStore;
    const tag = tdb.kind;
    const audit = async (action: string): Promise<AuditEntry[]> =>
      (await ops.audit({ target: 'account:dora' })).filter((a) => a.action === action).reverse();

    before(async () => {
      browser = await launch();
      e = await startE2e(tdb, {
        env: { ASTBILL_API_PORT: '0', ASTBILL_API_TOKEN: TOKEN },
        startTime: Date.now(),
      });
      base = `http://127.0.0.1:${e.daemon.apiAddress!.port}`;
      await e.t.seedRate({ prefix: '44', rate: '0.06', initial: 1, increment: 1 });
      await e.t.seedAccount({ name: 'dora', balance: '10', anis: ['5550111'] });
      await e.t.seedAccount({ name: 'erik', balance: '1', anis: ['5550999'] });
      ops = new OperatorStore(e.t.db);
      for (const [name, role] of [
        ['ada', 'admin'],
        ['sam', 'support'],
        ['rita', 'read-only'],
      ] as const)
        await ops.add({ name, role, password: PASSWORD });
    });
    after(async () => {
      await browser?.close();
      await e?.close();
    });

    async function openDora(page: Page, who: string) {
      await logIn(page, base, who, PASSWORD);
      await page.goto(`${base}/console/#/accounts`);
      await page.getByRole('button', { name: 'dora' }).click();
      await page.getByRole('heading', { name: 'Account dora (active)' }).waitFor();
    }

    it('an admin sets the credit limit, call limit and longest call; the next calls obey them', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      await openDora(page, 'ada');
      const form = page.getByRole('form', { name: 'limits' });
      await form.getByLabel('Credit limit').fill('2.50');
      await form.getByLabel('Max concurrent calls').fill('1');
      await form.getByLabel('Max call seconds').fill('600');
      await form.getByRole('button', { name: 'Save limits' }).click();
      await page.getByText('limits saved').waitFor();
      const facts = page.getByTestId('limits');
      await facts.getByText('2.50 EUR').waitFor();
      assert.deepEqual(await facts.locator('dd').allTextContents(), [
        '2.50 EUR',
        '1',
        '600',
        'no cap',
        'no cap',
        'no cap',
      ]);
      await page.getByTestId('acct-available').getByText('12.50 EUR').waitFor();
      const dora = (await e.t.store.accountDetails('dora'))!;
      assert.deepEqual([dora.creditLimit, dora.maxCalls, dora.maxCallSeconds], [250_000n, 1, 600]);
      const [row] = await audit('limit');
      assert.equal(row!.actor, 'user:ada');
      assert.deepEqual(row!.before, {
        creditLimit: '0.00000',
        maxCalls: null,
        maxCallSeconds: null,
      });
      assert.deepEqual(row!.after, { creditLimit: '2.50000', maxCalls: 1, maxCallSeconds: 600 });

      // A spend cap from the same page (admin), shown with the limits.
      await page.getByRole('form', { name: 'spend caps' }).getByLabel('Spend per day').fill('7.5');
      await page.getByRole('button', { name: 'Save caps' }).click();
      await page.getByText('spend caps of dora saved').waitFor();
      await facts.getByText('7.50 EUR').waitFor();
      assert.equal((await e.t.store.caps('dora'))!.dayMax, 750_000n);
      await shot(page, `${tag}-account-limits`);

      // The limits hold on the next calls: the first is granted at most 600 s, a second is LIMIT.
      const first = e.sim.placeCall({ exten: '4420100', accountcode: 'dora' });
      await waitFor('the first call to talk', () => talking(e, first.channelId));
      const [reservation] = await e.t.store.reservations();
      assert.equal(reservation!.maxSeconds, 600);
      const legs = bLegsOf(e).length;
      const second = e.sim.placeCall({ exten: '4420101', accountcode: 'dora' });
      await driveUntil(e, 'the refusal', () => e.sim.ended(second.channelId) !== undefined, {
        stepMs: 100,
      });
      assert.equal((await settledCdr(e, second.channelId)).reason, 'LIMIT');
      assert.equal(bLegsOf(e).length, legs, 'the second call was never dialled');
      e.sim.hangupCaller(first.channelId);
      await settledCdr(e, first.channelId);
      await quiet(e);
      await page.close();
    });

    it('support adds and removes caller IDs; a call from the new number is billed to the account', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      await openDora(page, 'sam');
      assert.equal(await page.getByRole('button', { name: 'Save limits' }).count(), 0);
      const ids = page.getByRole('list', { name: 'caller IDs' });
      await ids.getByText('5550111').waitFor();
      const add = page.getByRole('form', { name: 'add caller ID' });
      await add.getByLabel('New caller ID').fill('5550222');
      await add.getByRole('button', { name: 'Add caller ID' }).click();
      await page.getByText('caller ID 5550222 added').waitFor();
      await page.getByRole('button', { name: 'remove caller ID 5550111' }).click();
      await page.getByText('caller ID 5550111 removed').waitFor();
      assert.deepEqual(await ids.getByRole('listitem').locator('span').allTextContents(), [
        '5550222',
      ]);
      assert.deepEqual((await e.t.store.accountDetails('dora'))!.anis, ['5550222']);

      // Another account's number is refused with the reason, and nothing changes.
      await add.getByLabel('New caller ID').fill('5550999');
      await add.getByRole('button', { name: 'Add caller ID' }).click();
      await page.getByText("caller ID 5550999 already belongs to account 'erik'").waitFor();
      assert.deepEqual((await e.t.store.accountDetails('dora'))!.anis, ['5550222']);
      await shot(page, `${tag}-account-callerids`);

      // support may not change a limit: the API refuses it, not only the missing form.
      assert.equal(await postAs(page, '/accounts/dora/limits', { creditLimit: '1000' }), 403);
      assert.equal((await e.t.store.accountDetails('dora'))!.creditLimit, 250_000n);

      const call = e.sim.placeCall({ exten: '4420102', peer: 'nobody-known', callerId: '5550222' });
      await waitFor('talking', () => talking(e, call.channelId));
      e.advance(5_000);
      e.sim.hangupCaller(call.channelId);
      const cdr = await settledCdr(e, call.channelId);
      assert.equal(cdr.account, 'dora');
      assert.equal(cdr.billsec, 5);
      await quiet(e);

      assert.deepEqual(
        (await audit('callerid')).map((a) => [a.actor, a.before, a.after]),
        [
          ['user:sam', { callerIds: ['5550111'] }, { callerIds: ['5550111', '5550222'] }],
          ['user:sam', { callerIds: ['5550111', '5550222'] }, { callerIds: ['5550222'] }],
        ],
      );
      await page.close();
    });

    it('a read-only user sees the limits and caller IDs but may change neither', async () => {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
      await openDora(page, 'rita');
      await page.getByTestId('limits').getByText('2.50 EUR').waitFor();
      await page.getByRole('list', { name: 'caller IDs' }).getByText('5550222').waitFor();
      assert.equal(await page.getByRole('form', { name: 'add caller ID' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: /remove caller ID/ }).count(), 0);
      assert.equal(await postAs(page, '/accounts/dora/callerids', { add: ['5550333'] }), 403);
      assert.equal(await postAs(page, '/accounts/dora/limits', { maxCalls: 50 }), 403);
      const dora = (await e.t.store.accountDetails('dora'))!;
      assert.deepEqual([dora.anis, dora.maxCalls], [['5550222'], 1]);
      await shot(page, `${tag}-phone-account-limits-read-only`);
      // Disabling the operator ends the open console: the event stream closes, the login returns.
      await ops.setDisabled('rita', true, 'user:ada');
      await page.getByRole('button', { name: 'Log in' }).waitFor();
      await page.close();
    });
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError, loadConfig } from '../../daemon/src/config.js';
import type { Rate } from '../../daemon/src/rating/index.js';
import {
  dailyReport,
  minutes,
  reportJson,
  reportRecords,
  reportText,
  utcDay,
  yesterday,
} from '../../daemon/src/reports/daily.js';
import { ReportSchedule } from '../../daemon/src/reports/schedule.js';
import { renderReport, writeReport } from '../../daemon/src/reports/write.js';
import { forEachDatabase, money, type TestStore } from '../support/db.js';
import { answeredCall, liveCall, refusedCall, unansweredCall } from '../api/seed-calls.js';
import { compiledCli } from '../support/compiled.js';

const run = promisify(execFile);
const day = (d: string, hms = '10:00:00') => new Date(`${d}T${hms}.000Z`);

describe('the daily report', () => {
  describe('its calendar', () => {
    it('covers one UTC day, midnight to midnight', () => {
      const { from, to } = utcDay('2030-05-02');
      assert.equal(from.toISOString(), '2030-05-02T00:00:00.000Z');
      assert.equal(to.toISOString(), '2030-05-03T00:00:00.000Z');
    });
    it('refuses dates that do not exist', () => {
      for (const bad of ['2030-02-30', '2030-5-2', 'yesterday', ''])
        assert.throws(() => utcDay(bad), RangeError, bad);
    });
    it('defaults to yesterday in UTC', () => {
      assert.equal(yesterday(new Date('2030-05-03T00:15:00Z')), '2030-05-02');
      assert.equal(yesterday(new Date('2030-01-01T23:59:59Z')), '2029-12-31');
    });
    it('shows minutes with two decimals, rounded half up', () => {
      assert.deepEqual(
        [minutes(0), minutes(60), minutes(95), minutes(1), minutes(3)],
        ['0.00', '1.00', '1.58', '0.02', '0.05'],
      );
    });
  });

  forEachDatabase((tdb) => {
    let t: TestStore;
    let uk: Rate;
    let us: Rate;
    before(async () => {
      t = await tdb.open();
      uk = await t.seedRate({
        tariff: 'default',
        prefix: '44',
        rate: '0.05',
        connect: '0.10',
        initial: 60,
        increment: 6,
      });
      us = await t.seedRate({
        tariff: 'default',
        prefix: '1',
        rate: '0.012',
        initial: 1,
        increment: 1,
      });
      const alice = await t.seedAccount({ name: 'alice', balance: '20' });
      const bob = await t.seedAccount({ name: 'bob', balance: '20' });
      // 2030-05-02, the reported day:
      await answeredCall(t.store, {
        accountId: alice.id,
        rate: uk,
        dst: '447700900001',
        start: day('2030-05-02', '00:00:00'),
        billsec: 95,
      }); // 0.18
      await answeredCall(t.store, {
        accountId: alice.id,
        rate: us,
        dst: '12125550000',
        start: day('2030-05-02', '12:00:00'),
        billsec: 100,
      }); // 0.02
      await unansweredCall(t.store, {
        accountId: alice.id,
        rate: uk,
        dst: '447700900002',
        start: day('2030-05-02', '13:00:00'),
        disposition: 'BUSY',
      });
      await answeredCall(t.store, {
        accountId: bob.id,
        rate: uk,
        dst: '447700900003',
        start: day('2030-05-02', '23:59:59'),
        billsec: 30,
      }); // 0.15
      await refusedCall(t.store, {
        accountId: bob.id,
        dst: '999',
        start: day('2030-05-02', '14:00:00'),
        reason: 'NOROUTE',
      });
      await refusedCall(t.store, {
        accountId: null,
        dst: '447700900004',
        start: day('2030-05-02', '15:00:00'),
        reason: 'NOACCOUNT',
      });
      await liveCall(t.store, {
        accountId: bob.id,
        rate: uk,
        dst: '447700900005',
        start: day('2030-05-02', '16:00:00'),
      });
      // The days around it, not counted:
      await answeredCall(t.store, {
        accountId: alice.id,
        rate: uk,
        dst: '447700900006',
        start: day('2030-05-01', '23:59:59'),
        billsec: 600,
      });
      await answeredCall(t.store, {
        accountId: bob.id,
        rate: uk,
        dst: '447700900007',
        start: day('2030-05-03', '00:00:00'),
        billsec: 600,
      });
    });

    it('sums calls, answered, refused, seconds and revenue per account', async () => {
      const r = await dailyReport(t.knex, '2030-05-02');
      assert.deepEqual(r.byAccount, [
        { key: '', currency: '', calls: 1, answered: 0, refused: 1, billsec: 0, revenue: 0n },
        {
          key: 'alice',
          currency: 'EUR',
          calls: 3,
          answered: 2,
          refused: 0,
          billsec: 195,
          revenue: money('0.20'),
        },
        {
          key: 'bob',
          currency: 'EUR',
          calls: 2,
          answered: 1,
          refused: 1,
          billsec: 30,
          revenue: money('0.15'),
        },
      ]);
    });

    it('sums them per destination prefix', async () => {
      const r = await dailyReport(t.knex, '2030-05-02');
      assert.deepEqual(r.byPrefix, [
        { key: '', currency: '', calls: 1, answered: 0, refused: 1, billsec: 0, revenue: 0n },
        { key: '', currency: 'EUR', calls: 1, answered: 0, refused: 1, billsec: 0, revenue: 0n },
        {
          key: '1',
          currency: 'EUR',
          calls: 1,
          answered: 1,
          refused: 0,
          billsec: 100,
          revenue: money('0.02'),
        },
        {
          key: '44',
          currency: 'EUR',
          calls: 3,
          answered: 2,
          refused: 0,
          billsec: 125,
          revenue: money('0.33'),
        },
      ]);
    });

    it('totals the day and counts the calls still open apart', async () => {
      const r = await dailyReport(t.knex, '2030-05-02');
      assert.deepEqual(r.totals, {
        key: 'total',
        currency: '',
        calls: 6,
        answered: 3,
        refused: 2,
        billsec: 225,
        revenue: money('0.35'),
      });
      assert.equal(r.openCalls, 1);
    });

    it('sums revenue per account currency, each call in its account’s', async () => {
      const usd = await t.seedAccount({ balance: '10', currency: 'USD' });
      const eur = await t.seedAccount({ balance: '10', currency: 'EUR' });
      for (const [a, billsec] of [
        [usd, 60],
        [eur, 120],
        [usd, 30],
      ] as const)
        await answeredCall(t.store, {
          accountId: a.id,
          rate: uk,
          dst: '447700900010',
          start: day('2030-05-05'),
          billsec,
        });
      const r = await dailyReport(t.knex, '2030-05-05');
      // 0.10 fee + 60 s blocks at 0.05: 60 s and 30 s cost 0.15 each, 120 s 0.20.
      assert.deepEqual(r.byCurrency, [
        {
          key: 'EUR',
          currency: 'EUR',
          calls: 1,
          answered: 1,
          refused: 0,
          billsec: 120,
          revenue: money('0.20'),
        },
        {
          key: 'USD',
          currency: 'USD',
          calls: 2,
          answered: 2,
          refused: 0,
          billsec: 90,
          revenue: money('0.30'),
        },
      ]);
      // One prefix, two currencies: a row each, never their sum.
      assert.deepEqual(
        r.byPrefix.map((x) => [x.key, x.currency, x.calls, x.revenue]),
        [
          ['44', 'EUR', 1, money('0.20')],
          ['44', 'USD', 2, money('0.30')],
        ],
      );
    });

    it('gives a trunk a row per currency its money is in, a converted call’s the tariff’s', async () => {
      const usd = await t.seedAccount({ balance: '10', currency: 'USD' });
      const eur = await t.seedAccount({ balance: '10', currency: 'EUR' });
      const calls = [];
      for (const a of [usd, eur, eur])
        calls.push(
          await answeredCall(t.store, {
            accountId: a.id,
            rate: uk,
            dst: '447700900011',
            start: day('2030-05-06'),
            billsec: 60,
          }),
        );
      // What settle writes for a routed call (store/buy-side.ts); the last one was converted
      // from a GBP tariff (store/tx/settle.ts: tariff_cost, buy and margin in GBP).
      const routed = (uniqueid: string, extra: Record<string, unknown>) =>
        t
          .knex('astcdr')
          .where({ uniqueid })
          .update({ trunk: 'mid', ...extra });
      await routed(calls[0]!.uniqueid, { buy_cost: money('0.05'), margin: money('0.10') });
      await routed(calls[1]!.uniqueid, { buy_cost: money('0.05'), margin: money('0.10') });
      await routed(calls[2]!.uniqueid, {
        tariff_currency: 'GBP',
        tariff_cost: money('0.13'),
        buy_cost: money('0.04'),
        margin: money('0.09'),
      });
      const r = await dailyReport(t.knex, '2030-05-06');
      assert.deepEqual(
        r.byTrunk.map((x) => [x.key, x.currency, x.calls, x.revenue, x.buy, x.margin]),
        [
          ['mid', 'EUR', 1, money('0.15'), money('0.05'), money('0.10')],
          ['mid', 'GBP', 1, money('0.13'), money('0.04'), money('0.09')],
          ['mid', 'USD', 1, money('0.15'), money('0.05'), money('0.10')],
        ],
      );
      assert.match(reportText(r), /mid\s+1\s+1\.00\s+0\.13\s+0\.04\s+0\.09\s+GBP/);
    });

    it('is empty, not an error, for a day without calls', async () => {
      const r = await dailyReport(t.knex, '2031-01-01');
      assert.deepEqual(
        [r.byAccount, r.byPrefix, r.totals, r.openCalls],
        [
          [],
          [],
          {
            key: 'total',
            currency: '',
            calls: 0,
            answered: 0,
            refused: 0,
            billsec: 0,
            revenue: 0n,
          },
          0,
        ],
      );
    });

    it('renders CSV and JSON with money as exact decimal strings', async () => {
      const r = await dailyReport(t.knex, '2030-05-02');
      const csv = renderReport(r, 'csv').split('\r\n');
      assert.equal(
        csv[0],
        'date,group,key,currency,calls,answered,refused,billsec,minutes,revenue,buy,margin',
      );
      assert.ok(csv.includes('2030-05-02,account,alice,EUR,3,2,0,195,3.25,0.20,,'), csv.join('\n'));
      assert.ok(csv.includes('2030-05-02,prefix,44,EUR,3,2,0,125,2.08,0.33,,'));
      assert.ok(csv.includes('2030-05-02,total,total,,6,3,2,225,3.75,0.35,,'));
      // Both accounts are in EUR (the default); the NOACCOUNT attempt has no currency.
      assert.ok(csv.includes('2030-05-02,currency,EUR,EUR,5,3,1,225,3.75,0.35,,'), csv.join('\n'));
      assert.ok(csv.includes('2030-05-02,currency,,,1,0,1,0,0.00,0.00,,'));
      assert.equal(reportRecords(r).length, 3 + 4 + 2 + 1);
      const json = JSON.parse(renderReport(r, 'json'));
      assert.deepEqual(json, JSON.parse(JSON.stringify(reportJson(r))));
      assert.equal(json.totals.revenue, '0.35');
      assert.equal(json.byAccount[1].minutes, '3.25');
    });

    it('writes the file atomically into a directory it creates', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'astbill-report-'));
      try {
        const path = await writeReport(
          join(dir, 'sub'),
          await dailyReport(t.knex, '2030-05-02'),
          'csv',
        );
        assert.equal(path, join(dir, 'sub', 'astbill-daily-2030-05-02.csv'));
        assert.match(readFileSync(path, 'utf8'), /^date,group,key/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    describe('on a schedule', () => {
      it('writes yesterday’s CSV when it runs, and starts and closes cleanly', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'astbill-report-'));
        const s = new ReportSchedule({
          knex: t.knex,
          cron: '15 0 * * *',
          dir,
          now: () => new Date('2030-05-03T00:15:00Z'),
        });
        try {
          s.start();
          const next = s.nextRun();
          assert.ok(next);
          assert.deepEqual(
            [next.getUTCHours(), next.getUTCMinutes()],
            [0, 15],
            'the expression is read in UTC',
          );
          const path = await s.runOnce();
          assert.equal(path, join(dir, 'astbill-daily-2030-05-02.csv'));
          assert.ok(
            readFileSync(path, 'utf8').includes('2030-05-02,total,total,,6,3,2,225,3.75,0.35,,'),
          );
        } finally {
          await s.close();
          rmSync(dir, { recursive: true, force: true });
        }
        assert.equal(s.nextRun(), null);
      });

      it('is configured by ASTBILL_REPORT_CRON and ASTBILL_REPORT_DIR, or absent', () => {
        assert.equal(loadConfig({}).reports, null);
        assert.equal(loadConfig({ ASTBILL_REPORT_CRON: '' }).reports, null);
        assert.deepEqual(
          loadConfig({ ASTBILL_REPORT_CRON: '15 0 * * *', ASTBILL_REPORT_DIR: '/tmp/x' }).reports,
          { cron: '15 0 * * *', dir: '/tmp/x' },
        );
        assert.throws(
          () => loadConfig({ ASTBILL_REPORT_CRON: '15 0 * * *' }),
          (e: unknown) => e instanceof ConfigError && e.setting === 'ASTBILL_REPORT_DIR',
        );
        assert.throws(
          () => loadConfig({ ASTBILL_REPORT_CRON: 'every day', ASTBILL_REPORT_DIR: '/tmp/x' }),
          (e: unknown) => e instanceof ConfigError && e.setting === 'ASTBILL_REPORT_CRON',
        );
      });
    });

    describe('from the command line', () => {
      const cli = (args: string[]) =>
        run(process.execPath, [compiledCli(), 'report', ...args], {
          env: { ...process.env, ASTBILL_DB: tdb.url, ASTBILL_LOG_LEVEL: 'error' },
        }).then(
          (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            code: e.code,
            stdout: e.stdout,
            stderr: e.stderr,
          }),
        );

      it('prints CSV for --date --csv', async () => {
        const r = await cli(['daily', '--date', '2030-05-02', '--csv']);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stdout.includes('2030-05-02,account,bob,EUR,2,1,1,30,0.50,0.15'), r.stdout);
      });

      it('prints a table by default and writes JSON with --out', async () => {
        const table = await cli(['daily', '--date', '2030-05-02']);
        assert.equal(table.code, 0, table.stderr);
        assert.match(table.stdout, /astbill daily report 2030-05-02 \(UTC\)/);
        assert.match(table.stdout, /TOTAL\s+6\s+3\s+2\s+3\.75\s+0\.35/);
        assert.match(table.stdout, /1 call\(s\) of this day were still open/);
        const dir = mkdtempSync(join(tmpdir(), 'astbill-report-'));
        try {
          const out = await cli(['daily', '--date', '2030-05-02', '--json', '--out', dir]);
          assert.equal(out.code, 0, out.stderr);
          assert.equal(out.stdout.trim(), join(dir, 'astbill-daily-2030-05-02.json'));
          assert.equal(JSON.parse(readFileSync(out.stdout.trim(), 'utf8')).totals.revenue, '0.35');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });

      it('exits 2 with one line for bad usage', async () => {
        for (const args of [
          ['daily', '--date', '2030-02-30'],
          ['daily', '--csv', '--json'],
          ['weekly'],
          ['daily', '--bogus'],
        ]) {
          const r = await cli(args);
          assert.equal(r.code, 2, args.join(' '));
          assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
          assert.match(r.stderr, /^astbill: /);
        }
      });
    });
  });
});

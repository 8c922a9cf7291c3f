/**
 * Carrier routing through the real daemon and the simulator: trunks tried least-cost first,
 * failover by cause inside the one reservation, one CDR per call with the answering trunk's buy
 * cost, the margin guard (LOSS), and a trunk's channel limit held across two daemons.
 * Trunks are told apart by their tech prefix: trunk `cheap` sends 101<number>, `mid` 102…, and
 * the far-end rules match on those prefixes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReportSchedule } from '../../daemon/src/reports/schedule.js';
import { parseMoney } from '../../daemon/src/rating/index.js';
import type { FarEndRule } from '../../daemon/src/sim/index.js';
import { astbill, parsed } from '../cli/run-cli.js';
import { forEachDatabase, type TestStore } from '../support/db.js';
import {
  driveUntil,
  playbacksStarted,
  quiet,
  settledCdr,
  SIM_START,
  startE2e,
  talking,
  waitFor,
  type E2e,
} from './harness.js';
import { startHarness } from '../api/harness.js';

const DST = '447700900123';

interface AttemptRow {
  trunk: string;
  outcome: string | null;
  cause: number | string | null;
  tech_cause: number | string | null;
}

async function attemptsOf(t: TestStore, uniqueid: string) {
  const rows = (await t.knex('astcallattempt').where({ uniqueid }).orderBy('id')) as AttemptRow[];
  return rows.map((r) => [
    r.trunk,
    r.outcome,
    r.cause === null ? null : Number(r.cause),
    r.tech_cause === null ? null : Number(r.tech_cause),
  ]);
}

async function seedTrunks(t: TestStore): Promise<void> {
  const deck = (ratePerMin: string, prefix = '44') => [
    {
      tariff: '',
      prefix,
      description: '',
      ratePerMin: parseMoney(ratePerMin),
      connectFee: 0n,
      initialSecs: 1,
      incrementSecs: 1,
      minSecs: 0,
    },
  ];
  for (const [name, prefix, rate, max] of [
    ['cheap', '101', '0.01', 1],
    ['mid', '102', '0.02', null],
    ['dear', '103', '0.04', null],
  ] as const) {
    await t.store.addTrunk({
      name,
      dial: `PJSIP/{number}@${name}`,
      stripDigits: 0,
      techPrefix: prefix,
      maxChannels: max,
      enabled: true,
    });
    await t.store.upsertBuyRates(name, deck(rate));
  }
  // Germany is sold at 0.05 but only `dear` carries it, at 0.20: never profitable.
  await t.store.upsertBuyRates('dear', deck('0.20', '49'));
  await t.seedRate({ prefix: '44', rate: '0.05', initial: 1, increment: 1 });
  await t.seedRate({ prefix: '49', rate: '0.05', initial: 1, increment: 1 });
}

/** The numbers the simulator was asked to dial, oldest first (the trunk is the tech prefix). */
function dialled(e: E2e, before: ReadonlySet<string>): string[] {
  return e.sim
    .endedChannels()
    .filter((c) => c.kind === 'outbound' && !before.has(c.id))
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((c) => c.number);
}

describe('carrier routing', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, { daemonOnSimClock: true });
      await seedTrunks(e.t);
    });
    after(async () => e?.close());

    async function call(rules: FarEndRule[], dst = DST) {
      e.sim.setRules(rules);
      const acct = await e.t.seedAccount({ balance: '5' });
      const since = new Set(e.sim.endedChannels().map((c) => c.id));
      const c = e.sim.placeCall({ exten: dst, accountcode: acct.name, callerId: '1001' });
      await driveUntil(e, 'the call ended', () => e.sim.ended(c.channelId), { maxSimMs: 120_000 });
      const cdr = await settledCdr(e, c.channelId);
      await quiet(e);
      const account = (await e.t.store.accountDetails(acct.name))!;
      const cdrs = await e.t.store.cdrs({ account: acct.name });
      return { id: c.channelId, cdr, cdrs, account, numbers: dialled(e, since) };
    }

    let failedOver: Awaited<ReturnType<typeof call>>;
    it('fails over from a congested trunk to the next cheapest: one CDR, two attempts, the buy cost of the one that answered', async () => {
      const r = (failedOver = await call([
        { prefix: '101', action: 'congestion', ringMs: 500 },
        { prefix: '102', action: 'answer', answerAfterMs: 1000, hangupAfterMs: 30_000 },
      ]));
      assert.deepEqual(r.numbers, [`101${DST}`, `102${DST}`], 'cheapest first, then the next');
      assert.deepEqual(await attemptsOf(e.t, r.id), [
        ['cheap', 'CONGESTION', 34, 503],
        ['mid', 'ANSWERED', null, null],
      ]);
      assert.equal(r.cdrs.length, 1, 'one CDR for the call');
      assert.equal(r.cdr.disposition, 'ANSWERED');
      assert.equal(r.cdr.billsec, 30);
      assert.equal(r.cdr.cost, parseMoney('0.025'), '30 s at the sell rate 0.05/min');
      assert.equal(r.cdr.trunk, 'mid');
      assert.equal(r.cdr.buyCost, parseMoney('0.01'), '30 s at mid, 0.02/min');
      assert.equal(r.cdr.margin, parseMoney('0.015'));
      assert.equal(r.account.balance, parseMoney('4.975'));
      assert.equal(r.account.reserved, 0n, 'the one reservation covered both attempts and is gone');
    });

    it('shows the carrier, buy cost and margin in GET /cdrs, astbill cdr and the daily report file', async () => {
      const account = failedOver.cdr.account!;
      const h = await startHarness(tdb);
      try {
        const api = await h.req('GET', `/cdrs?account=${account}`);
        assert.equal(api.status, 200, api.text);
        const [row] = (api.json as { cdrs: Array<Record<string, unknown>> }).cdrs;
        assert.deepEqual(
          [row!.trunk, row!.cost, row!.buyCost, row!.margin],
          ['mid', '0.025', '0.01', '0.015'],
        );
        const csv = await h.req('GET', `/cdrs?account=${account}&format=csv`);
        const [head, line] = csv.text.split('\r\n');
        const col = (name: string) => line!.split(',')[head!.split(',').indexOf(name)];
        assert.deepEqual([col('trunk'), col('buyCost'), col('margin')], ['mid', '0.01', '0.015']);
      } finally {
        await h.close();
      }
      const cli = parsed<Array<Record<string, unknown>>>(
        await astbill(tdb.url, ['cdr', '--account', account, '--json']),
      );
      assert.deepEqual(
        cli.map((c) => [c.trunk, c.buyCost, c.margin]),
        [['mid', '0.01000', '0.01500']],
      );
      const table = await astbill(tdb.url, ['cdr', '--account', account]);
      assert.match(table.stdout, /TRUNK\s+MARGIN/);
      assert.match(table.stdout, /\bmid\s+0\.015\b/);
      const dir = mkdtempSync(join(tmpdir(), 'astbill-routing-report-'));
      try {
        const schedule = new ReportSchedule({ knex: e.t.knex, cron: '5 0 * * *', dir });
        const file = readFileSync(await schedule.runOnce('2026-11-22'), 'utf8').split('\r\n');
        assert.equal(
          file[0],
          'date,group,key,currency,calls,answered,refused,billsec,minutes,revenue,buy,margin',
        );
        assert.ok(
          file.includes('2026-11-22,trunk,mid,EUR,1,1,0,30,0.50,0.025,0.01,0.015'),
          file.join('\n'),
        );
        await schedule.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('keeps the one reservation, unchanged, through every trunk; the caller hanging up ends it', async () => {
      e.sim.setRules([
        { prefix: '101', action: 'congestion', ringMs: 2000 },
        { prefix: '102', action: 'noanswer' },
      ]);
      const acct = await e.t.seedAccount({ balance: '5' });
      const c = e.sim.placeCall({ exten: DST, accountcode: acct.name, callerId: '1001' });
      const ringingOn = (trunk: string) => () =>
        e.sim
          .liveChannels()
          .some((ch) => ch.kind === 'outbound' && ch.name.startsWith(`PJSIP/${trunk}-`));
      await driveUntil(e, 'ringing on cheap', ringingOn('cheap'));
      const first = await e.t.store.reservations();
      await driveUntil(e, 'ringing on mid', ringingOn('mid'));
      const second = await e.t.store.reservations();
      assert.equal(first.length, 1);
      assert.deepEqual(
        second.map((r) => [r.uniqueid, r.maxCost, r.maxSeconds]),
        first.map((r) => [r.uniqueid, r.maxCost, r.maxSeconds]),
        'the second trunk rings inside the first reservation',
      );
      assert.equal((await e.t.store.cdrs({ account: acct.name })).length, 1);
      e.sim.hangupCaller(c.channelId);
      const cdr = await settledCdr(e, c.channelId);
      await quiet(e);
      assert.deepEqual(await attemptsOf(e.t, c.channelId), [
        ['cheap', 'CONGESTION', 34, 503],
        ['mid', 'ABANDONED', null, null],
      ]);
      assert.equal(cdr.cost, 0n);
      const account = (await e.t.store.accountDetails(acct.name))!;
      assert.deepEqual([account.balance, account.reserved], [parseMoney('5'), 0n]);
    });

    it('fails over when the carrier says the number is unallocated there (cause 1, SIP 404)', async () => {
      const r = await call([
        { prefix: '101', action: 'notfound' },
        { prefix: '102', action: 'answer', hangupAfterMs: 10_000 },
      ]);
      assert.deepEqual(await attemptsOf(e.t, r.id), [
        ['cheap', 'FAILED', 1, 404],
        ['mid', 'ANSWERED', null, null],
      ]);
      assert.equal(r.cdr.trunk, 'mid');
    });

    for (const [action, cause, sip, disposition] of [
      ['busy', 17, 486, 'BUSY'],
      ['decline', 21, 603, 'BUSY'],
    ] as const) {
      it(`does not fail over when the callee is ${action} (cause ${cause}): never rings them again`, async () => {
        const r = await call([
          { prefix: '101', action },
          { prefix: '102', action: 'answer' },
        ]);
        assert.deepEqual(r.numbers, [`101${DST}`], 'only the first trunk was dialled');
        assert.deepEqual(await attemptsOf(e.t, r.id), [['cheap', disposition, cause, sip]]);
        assert.equal(r.cdr.disposition, disposition);
        assert.equal(r.cdr.cost, 0n);
        assert.equal(r.cdr.trunk, null);
        assert.equal(r.account.balance, parseMoney('5'));
        assert.equal(r.account.reserved, 0n);
      });
    }

    it('refuses a call no trunk carries at a profit (LOSS): announced, CDR written, nothing dialled', async () => {
      const r = await call([{ prefix: '', action: 'answer' }], '4930123456');
      assert.deepEqual(r.numbers, []);
      assert.equal(r.cdr.disposition, 'FAILED');
      assert.equal(r.cdr.reason, 'LOSS');
      assert.deepEqual(
        playbacksStarted(e, r.id).map((p) => p.media),
        ['sound:ss-noservice'],
      );
      assert.equal(r.account.balance, parseMoney('5'));
      assert.deepEqual(await attemptsOf(e.t, r.id), []);
    });

    it('tries every trunk on congestion and ends the call with the last failure', async () => {
      const r = await call([{ prefix: '10', action: 'congestion' }]);
      assert.deepEqual(r.numbers, [`101${DST}`, `102${DST}`, `103${DST}`]);
      assert.equal(r.cdr.disposition, 'CONGESTION');
      assert.equal(r.cdrs.length, 1);
      assert.equal(e.sim.ended(r.id)!.cause, 34, 'the caller gets congestion');
    });
    // Counts the calls of the tests above (they run in order on this database).
    it('reports per trunk and day: attempts, answered, ASR, ACD, minutes, buy, sell, margin', async () => {
      const report = parsed<Array<Record<string, unknown>>>(
        await astbill(tdb.url, ['trunk', 'report', '--day', '2026-11-22', '--json']),
      );
      assert.deepEqual(
        report.map((d) => [d.trunk, d.attempts, d.answered, d.asrPercent, d.acdSeconds, d.billsec]),
        [
          ['cheap', 6, 0, 0, null, 0],
          ['dear', 1, 0, 0, null, 0],
          ['mid', 4, 2, 50, 20, 40],
        ],
      );
      const mid = report.find((d) => d.trunk === 'mid')!;
      // 30 s + 10 s sold at 0.05/min (0.025 + 0.00834), bought at 0.02/min (0.01 + 0.00334).
      assert.deepEqual([mid.sell, mid.buy, mid.margin], ['0.03334', '0.01334', '0.02000']);
      const csv = await astbill(tdb.url, ['trunk', 'report', '--day', '2026-11-22', '--csv']);
      assert.equal(
        csv.stdout.split('\r\n')[3],
        '2026-11-22,mid,4,2,50,20,40,0.01334,0.03334,0.02000,EUR',
      );
    });
  });
});

describe('a trunk at its channel limit, across two daemons', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let one: E2e;
    let two: E2e;
    before(async () => {
      one = await startE2e(tdb, { daemonOnSimClock: true, env: { ASTBILL_NODE: 'n1' } });
      two = await startE2e(tdb, {
        daemonOnSimClock: true,
        startTime: SIM_START + 3_600_000,
        env: { ASTBILL_NODE: 'n2' },
      });
      await seedTrunks(one.t);
      for (const e of [one, two]) e.sim.setRules([{ prefix: '', action: 'answer' }]);
    });
    after(async () => {
      await two?.close();
      await one?.close();
    });

    it('skips the trunk whose one channel a call on the other daemon holds, and frees it after', async () => {
      const acct = await one.t.seedAccount({ balance: '5' });
      const first = one.sim.placeCall({ exten: DST, accountcode: acct.name, callerId: '1001' });
      await driveUntil(one, 'the first call talks', () => talking(one, first.channelId));
      const second = two.sim.placeCall({ exten: DST, accountcode: acct.name, callerId: '1002' });
      await driveUntil(two, 'the second call talks', () => talking(two, second.channelId));
      assert.deepEqual(await attemptsOf(one.t, first.channelId), [
        ['cheap', 'ANSWERED', null, null],
      ]);
      assert.deepEqual(
        await attemptsOf(one.t, second.channelId),
        [['mid', 'ANSWERED', null, null]],
        'cheap (1 channel) was busy with the first call: skipped, not dialled',
      );
      one.sim.hangupCaller(first.channelId);
      await driveUntil(
        one,
        'the first call is settled',
        async () => (await one.t.store.cdr(first.channelId))?.status === 'settled',
      );
      const third = one.sim.placeCall({ exten: DST, accountcode: acct.name, callerId: '1003' });
      await driveUntil(one, 'the third call talks', () => talking(one, third.channelId));
      assert.deepEqual(
        await attemptsOf(one.t, third.channelId),
        [['cheap', 'ANSWERED', null, null]],
        'its channel is free again',
      );
      two.sim.hangupCaller(second.channelId);
      one.sim.hangupCaller(third.channelId);
      await waitFor('both settled', async () => {
        const cdrs = await one.t.store.cdrs({ account: acct.name });
        return cdrs.length === 3 && cdrs.every((c) => c.status === 'settled');
      });
      await quiet(one);
      await quiet(two);
      const account = (await one.t.store.accountDetails(acct.name))!;
      assert.equal(account.reserved, 0n);
      assert.equal(account.balance, await one.t.store.ledgerSum(account.id));
    });
  });
});

describe('the margin guard (ASTBILL_MIN_MARGIN)', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, { daemonOnSimClock: true, env: { ASTBILL_MIN_MARGIN: '0.02' } });
      await seedTrunks(e.t);
    });
    after(async () => e?.close());

    it('never offers the call to a trunk that leaves less than the minimum margin', async () => {
      e.sim.setRules([{ prefix: '10', action: 'congestion' }]);
      const acct = await e.t.seedAccount({ balance: '5' });
      const c = e.sim.placeCall({ exten: DST, accountcode: acct.name, callerId: '1001' });
      await driveUntil(e, 'the call ended', () => e.sim.ended(c.channelId));
      const cdr = await settledCdr(e, c.channelId);
      await quiet(e);
      assert.deepEqual(
        (await attemptsOf(e.t, c.channelId)).map((a) => a[0]),
        ['cheap', 'mid'],
        'dear (0.04 against 0.05 sold: 0.01/min) is below 0.02/min and never dialled',
      );
      assert.equal(cdr.disposition, 'CONGESTION');
    });
  });
});

describe('least-cost ties broken by recent ASR (ASTBILL_LCR_ASR_WINDOW)', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        daemonOnSimClock: true,
        env: { ASTBILL_LCR_ASR_WINDOW: '600', ASTBILL_LCR_ASR_MIN_ATTEMPTS: '2' },
      });
      // Two carriers at the same price: the tie is broken by ASR, else by name.
      for (const [name, prefix] of [
        ['alpha', '201'],
        ['beta', '202'],
      ] as const) {
        await e.t.store.addTrunk({
          name,
          dial: `PJSIP/{number}@${name}`,
          stripDigits: 0,
          techPrefix: prefix,
          maxChannels: null,
          enabled: true,
        });
        await e.t.store.upsertBuyRates(name, [
          {
            tariff: name,
            prefix: '44',
            description: '',
            ratePerMin: parseMoney('0.02'),
            connectFee: 0n,
            initialSecs: 1,
            incrementSecs: 1,
            minSecs: 0,
          },
        ]);
      }
      await e.t.seedRate({ prefix: '44', rate: '0.05', initial: 1, increment: 1 });
      // alpha has no circuit to the UK; beta answers.
      e.sim.setRules([
        { prefix: '201', action: 'congestion' },
        { prefix: '202', action: 'answer', hangupAfterMs: 2000 },
      ]);
    });
    after(async () => e?.close());

    async function trunksDialled(): Promise<string[]> {
      const acct = await e.t.seedAccount({ balance: '5' });
      const since = new Set(e.sim.endedChannels().map((c) => c.id));
      const c = e.sim.placeCall({ exten: DST, accountcode: acct.name, callerId: '1001' });
      await driveUntil(e, 'the call ended', () => e.sim.ended(c.channelId));
      await settledCdr(e, c.channelId);
      await quiet(e);
      return dialled(e, since).map((n) => (n.startsWith('201') ? 'alpha' : 'beta'));
    }

    it('tries the trunk that answers more first, until its record leaves the window', async () => {
      assert.deepEqual(await trunksDialled(), ['alpha', 'beta'], 'no record yet: by name');
      assert.deepEqual(await trunksDialled(), ['alpha', 'beta'], 'one attempt is no record yet');
      assert.deepEqual(
        await trunksDialled(),
        ['beta'],
        'alpha 0 of 2 answered, beta 2 of 2: beta first, and it answers',
      );
      e.advance(601_000);
      assert.deepEqual(
        await trunksDialled(),
        ['alpha', 'beta'],
        'ten minutes later the attempts are out of the window: by name again',
      );
    });
  });
});

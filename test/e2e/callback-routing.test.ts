/**
 * Callback legs routed over carrier trunks, through the real daemon and the simulator: each leg
 * is routed as an ordinary call (least cost, channel limits claimed in the database, failover by
 * cause inside the leg's one reservation), and each leg's CDR carries the trunk that carried it,
 * its buy cost and its margin. Trunks are told apart by their tech prefix (carrier-a sends
 * 101<number>, carrier-b 102…, carrier-c 103…), and the far-end rules match on those prefixes.
 */
import assert from 'node:assert/strict';
import { callCost, parseMoney, type Rate } from '../../daemon/src/rating/index.js';
import { CallbackRefused } from '../../daemon/src/session/callback-service.js';
import { trunkReport } from '../../daemon/src/store/trunk-report.js';
import { forEachDatabase, type TestStore } from '../support/db.js';
import { driveUntil, quiet, settledCdr, SIM_START, startE2e, type E2e } from './harness.js';

const [A, B] = ['4910111', '4920222'];

const buyDeck = (ratePerMin: string, prefix: string): Rate[] => [
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

/** carrier-a is the cheapest and has one channel; carrier-c the dearest. France (33…) only at a loss. */
async function seedTrunks(t: TestStore): Promise<Record<string, Rate>> {
  const buy: Record<string, Rate> = {};
  for (const [name, prefix, rate, max] of [
    ['carrier-a', '101', '0.01', 1],
    ['carrier-b', '102', '0.02', null],
    ['carrier-c', '103', '0.03', null],
  ] as const) {
    await t.store.addTrunk({
      name,
      dial: `PJSIP/{number}@${name}`,
      stripDigits: 0,
      techPrefix: prefix,
      maxChannels: max,
      enabled: true,
    });
    const deck = buyDeck(rate, '49');
    await t.store.upsertBuyRates(name, deck);
    buy[name] = deck[0]!;
  }
  await t.store.upsertBuyRates('carrier-c', buyDeck('0.90', '33'));
  return buy;
}

async function attemptsOf(t: TestStore, uniqueid: string): Promise<unknown[][]> {
  const rows = (await t.knex('astcallattempt').where({ uniqueid }).orderBy('id')) as Array<{
    trunk: string;
    outcome: string | null;
    cause: number | string | null;
  }>;
  return rows.map((r) => [r.trunk, r.outcome, r.cause === null ? null : Number(r.cause)]);
}

describe('callback legs routed over carrier trunks', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    let buy: Record<string, Rate>;
    let rateA: Rate;
    let rateB: Rate;
    before(async () => {
      e = await startE2e(tdb, {
        daemonOnSimClock: true,
        rules: [
          { prefix: '1014910', action: 'answer' },
          { prefix: '1024920', action: 'congestion', ringMs: 1_000 },
          { prefix: '1034920', action: 'answer', answerAfterMs: 5_000, hangupAfterMs: 54_000 },
          { prefix: '1014911', action: 'answer', hangupAfterMs: 10_000 },
        ],
      });
      buy = await seedTrunks(e.t);
      rateA = await e.t.seedRate({ prefix: '491', rate: '0.05', initial: 1, increment: 1 });
      rateB = await e.t.seedRate({ prefix: '492', rate: '0.10', initial: 1, increment: 1 });
      await e.t.seedRate({ prefix: '33', rate: '0.10', initial: 1, increment: 1 });
    });
    after(async () => e?.close());

    it('routes A on carrier-a and B, past carrier-a at its limit and a congested carrier-b, on carrier-c: each CDR with its trunk, buy cost and margin', async () => {
      const acct = await e.t.seedAccount({ balance: '10' });
      const cb = await e.daemon.callbacks.start({ account: acct.name, a: A, b: B });
      await driveUntil(
        e,
        'the callback settled',
        async () => (await e.t.store.cdr(cb.legs.b))?.status === 'settled',
        { stepMs: 500, maxSimMs: 200_000 },
      );
      await quiet(e);
      const [a, b] = [await settledCdr(e, cb.legs.a), await settledCdr(e, cb.legs.b)];

      assert.equal(e.sim.ended(cb.legs.a)?.number, `101${A}`, 'A on carrier-a');
      const bLegs = e.sim
        .endedChannels()
        .filter((c) => c.kind === 'outbound' && c.number.endsWith(B))
        .sort((x, y) => x.createdAt - y.createdAt);
      assert.deepEqual(
        bLegs.map((c) => c.number),
        [`102${B}`, `103${B}`],
        'B skips carrier-a (its one channel is A), fails on carrier-b, goes on carrier-c',
      );
      assert.equal(bLegs[0]!.id, cb.legs.b, "B's first trunk dials the channel of its CDR");
      const channels = (await e.t
        .knex('astcallattempt')
        .whereIn('uniqueid', [cb.legs.a, cb.legs.b])
        .orderBy('id')
        .pluck('channel')) as string[];
      assert.deepEqual(
        channels,
        [cb.legs.a, ...bLegs.map((c) => c.id)],
        'each attempt row names the channel that was dialled on its trunk',
      );
      assert.deepEqual(await attemptsOf(e.t, cb.legs.a), [['carrier-a', 'ANSWERED', null]]);
      assert.deepEqual(await attemptsOf(e.t, cb.legs.b), [
        ['carrier-b', 'CONGESTION', 34],
        ['carrier-c', 'ANSWERED', null],
      ]);
      // A talked through B's 1 s on carrier-b, 5 s of ringing on carrier-c and 54 s of talk.
      assert.deepEqual(
        [a.disposition, a.billsec, b.disposition, b.billsec],
        ['ANSWERED', 60, 'ANSWERED', 54],
      );
      assert.equal(a.cost, callCost(rateA, 60));
      assert.equal(a.cost, parseMoney('0.05'));
      assert.deepEqual(
        [a.trunk, a.buyCost, a.margin],
        ['carrier-a', parseMoney('0.01'), parseMoney('0.04')],
      );
      assert.equal(b.cost, callCost(rateB, 54));
      assert.equal(b.cost, parseMoney('0.09'));
      assert.equal(b.buyCost, callCost(buy['carrier-c']!, 54));
      assert.deepEqual(
        [b.trunk, b.buyCost, b.margin],
        ['carrier-c', parseMoney('0.027'), parseMoney('0.063')],
      );
      assert.deepEqual(await e.t.store.callbackCdrIds(cb.callbackId), [cb.legs.a, cb.legs.b]);

      const account = (await e.t.store.accountDetails(acct.name))!;
      assert.deepEqual([account.balance, account.reserved], [parseMoney('9.86'), 0n]);
      assert.equal(await e.t.store.ledgerSum(acct.id), account.balance);
      assert.deepEqual(
        (await e.t.store.ledger(acct.id))
          .filter((l) => l.kind === 'charge')
          .map((l) => [l.amount, l.reference]),
        [
          [-parseMoney('0.05'), cb.legs.a],
          [-parseMoney('0.09'), cb.legs.b],
        ],
      );
      const report = await trunkReport(
        e.t.knex,
        new Date(SIM_START - 86_400_000),
        new Date(SIM_START + 86_400_000),
      );
      assert.deepEqual(
        report.map((r) => [r.trunk, r.attempts, r.answered, r.billsec, r.buy, r.sell]),
        [
          ['carrier-a', 1, 1, 60, parseMoney('0.01'), parseMoney('0.05')],
          ['carrier-b', 1, 0, 0, 0n, 0n],
          ['carrier-c', 1, 1, 54, parseMoney('0.027'), parseMoney('0.09')],
        ],
      );
    });

    it("releases the legs' trunk channels: carrier-a's one channel carries the next call", async () => {
      const acct = await e.t.seedAccount({ balance: '10' });
      const c = e.sim.placeCall({ exten: '4911333', accountcode: acct.name, callerId: '1001' });
      await driveUntil(e, 'the call ended', () => e.sim.ended(c.channelId), { maxSimMs: 60_000 });
      const cdr = await settledCdr(e, c.channelId);
      await quiet(e);
      assert.deepEqual(await attemptsOf(e.t, c.channelId), [['carrier-a', 'ANSWERED', null]]);
      assert.deepEqual([cdr.trunk, cdr.billsec], ['carrier-a', 10]);
    });

    it('refuses a callback whose B leg no trunk carries at a profit (LOSS), dialling nothing', async () => {
      const acct = await e.t.seedAccount({ balance: '10' });
      const before = e.sim.endedChannels().length + e.sim.liveChannels().length;
      await assert.rejects(
        e.daemon.callbacks.start({ account: acct.name, a: A, b: '33123456' }),
        (err: unknown) => err instanceof CallbackRefused && err.reason === 'LOSS',
      );
      assert.equal(e.sim.endedChannels().length + e.sim.liveChannels().length, before);
      const account = (await e.t.store.accountDetails(acct.name))!;
      assert.deepEqual([account.balance, account.reserved], [parseMoney('10'), 0n]);
      const cdrs = await e.t.store.cdrs({ account: acct.name });
      assert.deepEqual(
        cdrs.map((c) => [c.disposition, c.reason]),
        [['FAILED', 'LOSS']],
      );
    });
  });
});

/**
 * Callback calls on a time-banded tariff through the real daemon (ARI simulator, the daemon on
 * the simulator's clock, SQLite and MariaDB): peak Mon–Fri 08:00–18:00 Europe/Berlin doubles
 * the price of both legs. Each leg is priced from its own answer: a callback whose legs talk
 * across the peak edge is charged per band on both CDRs, a callback ordered off-peak whose legs
 * answer in peak gets the smaller grant at A's answer, and both legs are cut by TIMEOUT(absolute)
 * at exactly the second the money runs out.
 */
import assert from 'node:assert/strict';
import { parseMoney, type Rate } from '../../daemon/src/rating/index.js';
import type { Cdr } from '../../daemon/src/store/index.js';
import { forEachDatabase } from '../support/db.js';
import { driveUntil, quiet, settledCdr, startE2e, type E2e } from './harness.js';

/** Per second, no fee: A 0.06/min (peak 0.12), B 0.12/min (peak 0.24). */
const rate = (tariff: string, prefix: string, perMin: string): Rate => ({
  tariff,
  prefix,
  description: '',
  ratePerMin: parseMoney(perMin),
  connectFee: 0n,
  initialSecs: 1,
  incrementSecs: 1,
  minSecs: 0,
});

const TARIFF = 'cbband';
/** Monday 2026-11-23, 07:58 in Berlin; peak starts at 07:00Z. */
const START = Date.parse('2026-11-23T06:58:00.000Z');
const at = (iso: string) => Date.parse(iso);
const m = parseMoney;

/** The split adds up to the cost exactly, and says how. */
function split(cdr: Cdr, expected: Array<[string, number, string]>): void {
  assert.deepEqual(
    cdr.bandSplit,
    expected.map(([band, seconds, cost]) => ({ band, seconds, cost: m(cost) })),
  );
  assert.equal(
    cdr.bandSplit!.reduce((s, x) => s + x.cost, 0n),
    cdr.cost,
    'band_split adds up to the cost',
  );
  assert.equal(
    cdr.bandSplit!.reduce((s, x) => s + x.seconds, 0),
    cdr.billsec,
    'band_split covers the billed seconds',
  );
}

describe('callback calls on time bands (both legs priced from their answers)', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        startTime: START,
        daemonOnSimClock: true,
        env: { ASTBILL_RING_TIMEOUT: '30' },
        rules: [
          { prefix: '4910', action: 'answer' },
          { prefix: '4911', action: 'answer', answerAfterMs: 20_000 },
          { prefix: '4920', action: 'answer', answerAfterMs: 5_000, hangupAfterMs: 300_000 },
          { prefix: '4921', action: 'answer', answerAfterMs: 5_000 },
        ],
      });
      await e.t.store.upsertRates([
        rate(TARIFF, '491', '0.06'),
        rate(`${TARIFF}-peak`, '491', '0.12'),
        rate(TARIFF, '492', '0.12'),
        rate(`${TARIFF}-peak`, '492', '0.24'),
      ]);
      await e.t.store.setBands({
        tariff: TARIFF,
        zone: 'Europe/Berlin',
        bands: [
          {
            name: 'peak',
            days: [1, 2, 3, 4, 5],
            from: 480,
            to: 1080,
            bandTariff: `${TARIFF}-peak`,
          },
        ],
      });
    });
    after(async () => e?.close());

    const moveTo = (ms: number) => e.advance(ms - e.sim.manualClock.now());
    const start = (account: string, a: string, b: string) =>
      e.daemon.callbacks.start({ account, a, b });
    const bridged = (legs: { a: string; b: string }) => () =>
      e.sim.bridges().some((b) => b.channels.includes(legs.a) && b.channels.includes(legs.b));

    it('charges both legs per band when they talk across the peak edge, band_split adding up', async () => {
      moveTo(at('2026-11-23T06:58:00Z'));
      const acct = await e.t.seedAccount({ balance: '10', tariff: TARIFF });
      const cb = await start(acct.name, '4910001', '4920001');
      await driveUntil(e, 'B hangs up', () => e.sim.ended(cb.legs.b), {
        stepMs: 1000,
        maxSimMs: 400_000,
      });
      const [a, b] = [await settledCdr(e, cb.legs.a), await settledCdr(e, cb.legs.b)];
      await quiet(e);
      assert.equal(a.answer?.getTime(), at('2026-11-23T06:58:00Z'));
      assert.equal(b.answer?.getTime(), at('2026-11-23T06:58:05Z'));
      assert.deepEqual([a.billsec, b.billsec], [305, 300], 'A: 5 s of B ringing + 300 s');
      // Peak from 07:00:00Z: A 120 s off-peak, B 115 s; both 185 s of peak.
      split(a, [
        ['base', 120, '0.12'],
        ['peak', 185, '0.37'],
      ]);
      split(b, [
        ['base', 115, '0.23'],
        ['peak', 185, '0.74'],
      ]);
      assert.deepEqual([a.cost, b.cost], [m('0.49'), m('0.97')]);
      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.deepEqual([after.balance, after.reserved], [m('8.54'), 0n]);
      assert.equal(await e.t.store.ledgerSum(acct.id), after.balance);
    });

    it('cuts both legs by TIMEOUT at exactly the second the money runs out in peak', async () => {
      moveTo(at('2026-11-24T06:58:00Z')); // Tuesday 07:58 in Berlin
      const acct = await e.t.seedAccount({ balance: '0.60', tariff: TARIFF });
      const cb = await start(acct.name, '4910003', '4921003');
      // 120 s off-peak (0.36) and 40 s of peak (0.24).
      assert.equal(cb.maxSeconds, 160);
      await driveUntil(e, 'A and B bridged', bridged(cb.legs), { stepMs: 1000 });
      const aAns = at('2026-11-24T06:58:00Z');
      const bAns = aAns + 5000;
      // Off-peak ends 115 s into B: 0.35 + 0.006·(T_B − 115) ≤ 0.60 → T_B = 156.
      for (const leg of [cb.legs.a, cb.legs.b])
        assert.equal(e.sim.channel(leg)?.absoluteDeadline, bAns + 156_000);
      e.advance(155_000);
      assert.ok(e.sim.channel(cb.legs.a) && e.sim.channel(cb.legs.b), 'both up at 155 s');
      await driveUntil(e, 'the limit ends both', () => e.sim.ended(cb.legs.a), {
        stepMs: 1000,
      });
      const [a, b] = [await settledCdr(e, cb.legs.a), await settledCdr(e, cb.legs.b)];
      await quiet(e);
      for (const leg of [cb.legs.a, cb.legs.b]) {
        assert.equal(e.sim.ended(leg)?.hungUpBy, 'timeout');
        assert.equal(e.sim.ended(leg)?.endedAt, bAns + 156_000);
      }
      assert.deepEqual([a.billsec, b.billsec], [161, 156]);
      split(a, [
        ['base', 120, '0.12'],
        ['peak', 41, '0.082'],
      ]);
      split(b, [
        ['base', 115, '0.23'],
        ['peak', 41, '0.164'],
      ]);
      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.deepEqual([after.balance, after.reserved], [m('0.004'), 0n]);
      assert.equal(await e.t.store.ledgerSum(acct.id), after.balance);
    });

    it('gives a callback ordered off-peak whose legs answer in peak the smaller grant at A’s answer', async () => {
      moveTo(at('2026-11-26T06:59:50Z')); // Thursday 07:59:50 in Berlin; A rings 20 s
      const acct = await e.t.seedAccount({ balance: '0.60', tariff: TARIFF });
      const cb = await start(acct.name, '4911002', '4921002');
      // Priced from the order: 10 s off-peak (0.03) and 95 s of peak (0.57).
      assert.equal(cb.maxSeconds, 105);
      await driveUntil(e, 'A answered, B ringing', () => e.sim.channel(cb.legs.b), {
        stepMs: 1000,
      });
      const aAns = at('2026-11-26T07:00:10Z');
      assert.equal(e.sim.channel(cb.legs.a)?.answeredAt, aAns);
      // From A's answer all is peak: 0.60 pays 100 s of both legs (105 s from the order).
      assert.equal(e.sim.channel(cb.legs.a)?.absoluteDeadline, aAns + 100_000);
      const held = new Map((await e.t.store.reservations()).map((r) => [r.uniqueid, r]));
      assert.deepEqual(
        [cb.legs.a, cb.legs.b].map((u) => [held.get(u)?.maxSeconds, held.get(u)?.maxCost]),
        [
          [100, m('0.20')],
          [100, m('0.40')],
        ],
      );
      await driveUntil(e, 'the limit ends both', () => e.sim.ended(cb.legs.a), {
        stepMs: 1000,
        maxSimMs: 200_000,
      });
      const [a, b] = [await settledCdr(e, cb.legs.a), await settledCdr(e, cb.legs.b)];
      await quiet(e);
      // B answered 5 s after A: 0.002·(5 + T_B) + 0.004·T_B ≤ 0.60 → T_B = 98.
      const bAns = aAns + 5000;
      for (const leg of [cb.legs.a, cb.legs.b]) {
        assert.equal(e.sim.ended(leg)?.hungUpBy, 'timeout');
        assert.equal(e.sim.ended(leg)?.endedAt, bAns + 98_000);
      }
      assert.deepEqual([a.billsec, b.billsec], [103, 98]);
      split(a, [['peak', 103, '0.206']]);
      split(b, [['peak', 98, '0.392']]);
      assert.equal((await e.t.store.accountDetails(acct.name))!.balance, m('0.002'));
    });

    it('ends the callback at A’s answer when the money no longer pays one second from there', async () => {
      moveTo(at('2026-11-27T06:59:50Z')); // Friday 07:59:50 in Berlin; A rings 20 s
      const acct = await e.t.seedAccount({ balance: '0.004', tariff: TARIFF });
      const cb = await start(acct.name, '4911004', '4921004');
      assert.equal(cb.maxSeconds, 1, 'off-peak 1 s of both legs costs 0.003');
      await driveUntil(e, 'A hung up', () => e.sim.ended(cb.legs.a), { stepMs: 1000 });
      const [a, b] = [await settledCdr(e, cb.legs.a), await settledCdr(e, cb.legs.b)];
      await quiet(e);
      const aAns = at('2026-11-27T07:00:10Z');
      // In peak one second of both legs costs 0.006: A is hung up at its answer, B never dialled.
      assert.deepEqual(
        [e.sim.ended(cb.legs.a)?.answeredAt, e.sim.ended(cb.legs.a)?.endedAt],
        [aAns, aAns],
      );
      assert.equal(e.sim.ended(cb.legs.a)?.hungUpBy, 'app');
      assert.equal(e.sim.ended(cb.legs.b), undefined, 'B never dialled');
      assert.deepEqual([a.disposition, a.billsec, a.cost], ['ANSWERED', 0, 0n]);
      assert.deepEqual([b.disposition, b.cost], ['CANCEL', 0n]);
      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.deepEqual([after.balance, after.reserved], [m('0.004'), 0n]);
    });
  });
});

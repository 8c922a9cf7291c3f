/**
 * Currencies through the real daemon (ARI simulator on a manual clock, SQLite and MariaDB): a EUR
 * account calling on a USD tariff is priced through the USD→EUR rate in force when the call is
 * authorised. Its CDR keeps the rate, the USD cost and the EUR charge; balance and ledger move in
 * EUR exact to the minor unit; TIMEOUT(absolute) cuts it where the converted money runs out. A
 * pair without a rate is refused NOFX with nothing reserved; a rate effective mid-day applies to
 * calls authorised after it, and a call authorised before keeps its rate.
 */
import assert from 'node:assert/strict';
import { formatFxRate, parseFxRate, parseMoney } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import {
  bLegsOf,
  driveUntil,
  quiet,
  settledCdr,
  startE2e,
  talking,
  timesPlayed,
  waitFor,
  type E2e,
} from './harness.js';

/** Monday 2026-11-23 10:00Z; the second USD→EUR rate takes over at 12:00Z. */
const START = Date.parse('2026-11-23T10:00:00.000Z');
const at = (iso: string) => Date.parse(iso);

describe('currencies: a EUR account on a USD tariff', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, { startTime: START, rules: [{ prefix: '', action: 'answer' }] });
      const s = e.t.store;
      // 0.10 USD a minute, billed per second, no fee.
      await e.t.seedRate({ tariff: 'usd', prefix: '44', rate: '0.10', initial: 1, increment: 1 });
      await s.setTariffCurrency('usd', 'USD');
      await s.setFxRate({
        base: 'USD',
        quote: 'EUR',
        rate: parseFxRate('0.92'),
        effectiveFrom: new Date('2026-11-01T00:00:00Z'),
      });
      await s.setFxRate({
        base: 'USD',
        quote: 'EUR',
        rate: parseFxRate('0.95'),
        effectiveFrom: new Date('2026-11-23T12:00:00Z'),
      });
    });
    after(async () => e?.close());

    const moveTo = (ms: number) => e.advance(ms - e.sim.manualClock.now());

    it('charges in EUR through the rate, keeps the USD cost, and cuts at the converted budget', async () => {
      moveTo(at('2026-11-23T10:00:00Z'));
      const acct = await e.t.seedAccount({ balance: '0.50', tariff: 'usd', currency: 'EUR' });
      const call = e.sim.placeCall({ exten: '4420000001', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      const answered = e.sim.manualClock.now();
      // 0.50 EUR is at most 0.54348 USD (× 0.92 = 0.49999); that buys 326 s (0.54334 USD), not
      // the 300 s 0.50 would buy unconverted. 327 s would cost 0.545 USD = 0.5014 EUR.
      assert.equal(e.sim.channel(call.channelId)?.absoluteDeadline, answered + 326_000);
      const [res] = await e.t.store.reservations();
      assert.deepEqual([res?.maxSeconds, res?.maxCost], [326, parseMoney('0.49987')]);
      e.advance(325_000);
      assert.ok(e.sim.channel(call.channelId), 'still talking at 325 s');
      e.advance(5_000);
      const cdr = await settledCdr(e, call.channelId);
      await quiet(e);
      assert.equal(e.sim.ended(call.channelId)?.hungUpBy, 'timeout');
      assert.equal(e.sim.ended(call.channelId)?.endedAt, answered + 326_000);
      assert.equal(cdr.billsec, 326);
      assert.equal(cdr.rate?.fx?.currency, 'USD');
      assert.equal(formatFxRate(cdr.rate!.fx!.rate), '0.92');
      assert.equal(cdr.tariffCost, parseMoney('0.54334'));
      assert.equal(cdr.cost, parseMoney('0.49987'));
      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.equal(after.balance, parseMoney('0.00013'));
      assert.equal(after.reserved, 0n);
      const charges = (await e.t.store.ledger(acct.id)).filter((l) => l.kind === 'charge');
      assert.deepEqual(
        charges.map((l) => [l.reference, l.amount, l.balanceAfter]),
        [[call.channelId, -parseMoney('0.49987'), parseMoney('0.00013')]],
      );
      assert.equal(await e.t.store.ledgerSum(acct.id), after.balance);
    });

    it('refuses a pair without a rate in force as NOFX, with nothing reserved or dialled', async () => {
      const acct = await e.t.seedAccount({ balance: '5', tariff: 'usd', currency: 'GBP' });
      const legsBefore = bLegsOf(e).length;
      const call = e.sim.placeCall({ exten: '4420000002', accountcode: acct.name });
      const A = call.channelId;
      await driveUntil(e, 'the announcement', () => timesPlayed(e, 'sound:ss-noservice', A) === 1);
      await driveUntil(e, 'the hangup', () => e.sim.ended(A) !== undefined);
      const cdr = await settledCdr(e, A);
      await quiet(e);
      assert.equal(cdr.disposition, 'FAILED');
      assert.equal(cdr.reason, 'NOFX');
      assert.equal(cdr.cost, 0n);
      assert.match(cdr.note ?? '', /no exchange rate USD→GBP/);
      assert.equal(bLegsOf(e).length, legsBefore, 'nothing was dialled');
      assert.deepEqual(await e.t.store.reservations(), []);
      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.deepEqual([after.balance, after.reserved], [parseMoney('5'), 0n]);
      assert.deepEqual(await e.t.store.ledger(acct.id).then((l) => l.map((x) => x.kind)), [
        'topup',
      ]);
    });

    it('uses the rate effective mid-day for calls authorised after it; an earlier call keeps its own', async () => {
      moveTo(at('2026-11-23T11:59:00Z'));
      const acct = await e.t.seedAccount({ balance: '5', tariff: 'usd', currency: 'EUR' });
      const before = e.sim.placeCall({ exten: '4420000003', accountcode: acct.name });
      await waitFor('talking', () => talking(e, before.channelId));
      // Talks 120 s, across 12:00Z.
      e.advance(120_000);
      e.sim.hangupCaller(before.channelId);
      const first = await settledCdr(e, before.channelId);
      await quiet(e);
      moveTo(at('2026-11-23T12:05:00Z'));
      const later = e.sim.placeCall({ exten: '4420000004', accountcode: acct.name });
      await waitFor('talking', () => talking(e, later.channelId));
      e.advance(120_000);
      e.sim.hangupCaller(later.channelId);
      const second = await settledCdr(e, later.channelId);
      await quiet(e);
      // Both: 120 s = 0.20 USD; at 0.92 and at 0.95.
      assert.deepEqual(
        [first, second].map((c) => [
          c.billsec,
          formatFxRate(c.rate!.fx!.rate),
          c.tariffCost,
          c.cost,
        ]),
        [
          [120, '0.92', parseMoney('0.20'), parseMoney('0.184')],
          [120, '0.95', parseMoney('0.20'), parseMoney('0.19')],
        ],
      );
      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.equal(after.balance, parseMoney('4.626'));
      assert.equal(await e.t.store.ledgerSum(acct.id), after.balance);
    });
  });
});

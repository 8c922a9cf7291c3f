/**
 * Time bands through the real daemon (ARI simulator on a manual clock, SQLite and MariaDB): a
 * tariff with peak Mon–Fri 08:00–18:00 Europe/Berlin (prices from its own deck), off-peak at the
 * base rate. A call from off-peak into peak is charged per band to the cent, with the split on
 * its CDR; a call whose money runs out in the dearer band is cut by TIMEOUT(absolute) at exactly
 * the right second; a call authorised off-peak but answered in peak is granted from its answer.
 */
import assert from 'node:assert/strict';
import { parseMoney, type Rate } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import { quiet, settledCdr, startE2e, talking, waitFor, type E2e } from './harness.js';

const rate = (tariff: string, perMin: string, initial: number, increment: number): Rate => ({
  tariff,
  prefix: '44',
  description: 'UK',
  ratePerMin: parseMoney(perMin),
  connectFee: tariff.endsWith('-peak') ? 0n : parseMoney(initial === 60 ? '0.10' : '0'),
  initialSecs: initial,
  incrementSecs: increment,
  minSecs: 0,
});

const PEAK = (bandTariff: string) => ({
  name: 'peak',
  days: [1, 2, 3, 4, 5],
  from: 8 * 60,
  to: 18 * 60,
  bandTariff,
});

/** Monday 2026-11-23, 07:50 in Berlin; peak starts at 07:00Z. */
const START = Date.parse('2026-11-23T06:50:00.000Z');
const at = (iso: string) => Date.parse(iso);

describe('time bands: calls split by peak and off-peak', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        startTime: START,
        rules: [
          { prefix: '4477', action: 'answer', answerAfterMs: 20_000 },
          { prefix: '', action: 'answer' },
        ],
      });
      const s = e.t.store;
      // 'blocks': 60/30 with a 0.10 fee; 'seconds': 1/1, no fee. Peak doubles the price.
      await s.upsertRates([
        rate('blocks', '0.06', 60, 30),
        rate('blocks-peak', '0.12', 60, 30),
        rate('seconds', '0.06', 1, 1),
        rate('seconds-peak', '0.12', 1, 1),
      ]);
      const zone = 'Europe/Berlin';
      await s.setBands({ tariff: 'blocks', zone, bands: [PEAK('blocks-peak')] });
      await s.setBands({ tariff: 'seconds', zone, bands: [PEAK('seconds-peak')] });
    });
    after(async () => e?.close());

    const moveTo = (ms: number) => e.advance(ms - e.sim.manualClock.now());

    it('charges a call from off-peak into peak per band, the straddling block at its start', async () => {
      moveTo(at('2026-11-23T06:58:00Z'));
      const acct = await e.t.seedAccount({ balance: '5', tariff: 'blocks' });
      const call = e.sim.placeCall({ exten: '4420000001', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      e.advance(300_000);
      e.sim.hangupCaller(call.channelId);
      const cdr = await settledCdr(e, call.channelId);
      await quiet(e);
      assert.equal(cdr.answer?.getTime(), at('2026-11-23T06:58:00Z'));
      assert.equal(cdr.billsec, 300);
      // Blocks at 0 (60 s), 60, 90 start off-peak: 120 s at 0.06 + the fee; 120..270 in peak.
      assert.deepEqual(cdr.bandSplit, [
        { band: 'base', seconds: 120, cost: parseMoney('0.22') },
        { band: 'peak', seconds: 180, cost: parseMoney('0.36') },
      ]);
      assert.equal(cdr.cost, parseMoney('0.58'));
      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.equal(after.balance, parseMoney('4.42'));
      assert.equal(await e.t.store.ledgerSum(acct.id), after.balance);
    });

    it('cuts a call whose money runs out in the dearer band at exactly the right second', async () => {
      moveTo(at('2026-11-24T06:58:00Z')); // Tuesday, 07:58 in Berlin
      const acct = await e.t.seedAccount({ balance: '0.50', tariff: 'seconds' });
      const call = e.sim.placeCall({ exten: '4420000002', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      const answered = e.sim.manualClock.now();
      // 120 s off-peak cost 0.12; the 0.38 left buys 190 s of peak (flat off-peak would be 500 s).
      assert.equal(e.sim.channel(call.channelId)?.absoluteDeadline, answered + 310_000);
      e.advance(309_000);
      assert.ok(e.sim.channel(call.channelId), 'still talking at 309 s');
      e.advance(91_000);
      const cdr = await settledCdr(e, call.channelId);
      await quiet(e);
      const a = e.sim.ended(call.channelId)!;
      const b = e.sim
        .endedChannels()
        .find((c) => c.kind === 'outbound' && c.createdAt >= answered - 1000)!;
      assert.equal(a.hungUpBy, 'timeout');
      assert.equal(a.endedAt, answered + 310_000);
      assert.equal(b.hungUpBy, 'timeout');
      assert.equal(b.endedAt, answered + 310_000);
      assert.equal(cdr.billsec, 310);
      assert.equal(cdr.cost, parseMoney('0.50'));
      assert.deepEqual(cdr.bandSplit, [
        { band: 'base', seconds: 120, cost: parseMoney('0.12') },
        { band: 'peak', seconds: 190, cost: parseMoney('0.38') },
      ]);
      assert.equal((await e.t.store.accountDetails(acct.name))!.balance, 0n);
    });

    it('grants a call authorised off-peak but answered in peak from its answer', async () => {
      moveTo(at('2026-11-25T06:59:50Z')); // Wednesday, 07:59:50 in Berlin; rings 20 s
      const acct = await e.t.seedAccount({ balance: '0.50', tariff: 'seconds' });
      const call = e.sim.placeCall({ exten: '4477000003', accountcode: acct.name });
      await waitFor('the far end ringing', () =>
        e.sim.liveChannels().some((c) => c.kind === 'outbound'),
      );
      e.advance(20_000);
      await waitFor('talking', () => talking(e, call.channelId));
      const answered = at('2026-11-25T07:00:10Z');
      // All peak: 0.50 buys 250 s (priced from the authorisation, 10 s off-peak, it would be 255 s).
      assert.equal(e.sim.channel(call.channelId)?.absoluteDeadline, answered + 250_000);
      const [res] = await e.t.store.reservations();
      assert.deepEqual([res?.maxSeconds, res?.maxCost], [250, parseMoney('0.50')]);
      e.advance(300_000);
      const cdr = await settledCdr(e, call.channelId);
      await quiet(e);
      assert.equal(cdr.answer?.getTime(), answered);
      assert.equal(cdr.billsec, 250);
      assert.equal(cdr.cost, parseMoney('0.50'));
      assert.deepEqual(cdr.bandSplit, [{ band: 'peak', seconds: 250, cost: parseMoney('0.50') }]);
      assert.equal((await e.t.store.accountDetails(acct.name))!.balance, 0n);
    });
  });
});

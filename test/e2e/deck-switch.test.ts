/**
 * A rate-deck version switching at its effective time, through the real daemon: a call that came
 * in before it keeps the old rate to its end (the CDR snapshot), even talking past the switch; a
 * call that comes in after it is rated by the new deck; a prefix the new deck removed has no route.
 */
import assert from 'node:assert/strict';
import { parseMoney, type Rate } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import {
  SIM_START,
  driveUntil,
  quiet,
  settledCdr,
  startE2e,
  talking,
  timesPlayed,
  waitFor,
  type E2e,
} from './harness.js';

const rate = (prefix: string, perMin: string): Rate => ({
  tariff: 'switch',
  prefix,
  description: '',
  ratePerMin: parseMoney(perMin),
  connectFee: 0n,
  initialSecs: 60,
  incrementSecs: 60,
  minSecs: 0,
});

describe('a rate deck switching at its effective time', function () {
  this.timeout(30_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    const SWITCH = new Date(SIM_START + 600_000);
    before(async () => {
      e = await startE2e(tdb);
      await e.t.store.upsertRates([rate('44', '0.06'), rate('33', '0.10')]);
      await e.t.store.importRateVersion([rate('44', '0.12')], SWITCH);
    });
    after(async () => e?.close());

    it('bills a call from before the switch at the old rate, one after it at the new rate', async () => {
      const acct = await e.t.seedAccount({ balance: '5', tariff: 'switch' });
      const early = e.sim.placeCall({ exten: '4412345', accountcode: acct.name });
      await waitFor('the early call to talk', () => talking(e, early.channelId));
      e.advance(700_000); // talks 700 s, 100 s past the switch
      e.sim.hangupCaller(early.channelId);
      const c1 = await settledCdr(e, early.channelId);
      await quiet(e);
      assert.equal(c1.start.getTime(), SIM_START);
      assert.equal(c1.billsec, 700);
      assert.equal(c1.rate?.ratePerMin, parseMoney('0.06'), 'the snapshot of the old deck');
      assert.equal(c1.cost, parseMoney('0.72'), '12 minutes at 0.06');

      const late = e.sim.placeCall({ exten: '4412346', accountcode: acct.name });
      await waitFor('the late call to talk', () => talking(e, late.channelId));
      e.advance(30_000);
      e.sim.hangupCaller(late.channelId);
      const c2 = await settledCdr(e, late.channelId);
      await quiet(e);
      assert.ok(c2.start.getTime() > SWITCH.getTime());
      assert.equal(c2.rate?.ratePerMin, parseMoney('0.12'));
      assert.equal(c2.cost, parseMoney('0.12'), 'one minute at the new 0.12');

      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.equal(after.balance, parseMoney('4.16'));
      assert.equal(await e.t.store.ledgerSum(acct.id), after.balance);
    });

    it('has no route after the switch for a prefix the new deck removed', async () => {
      const acct = await e.t.seedAccount({ balance: '5', tariff: 'switch' });
      const call = e.sim.placeCall({ exten: '3312345', accountcode: acct.name });
      await driveUntil(
        e,
        'the announcement',
        () => timesPlayed(e, 'sound:ss-noservice', call.channelId) === 1,
      );
      await driveUntil(e, 'the hangup', () => e.sim.ended(call.channelId) !== undefined);
      const cdr = await settledCdr(e, call.channelId);
      await quiet(e);
      assert.equal(cdr.reason, 'NOROUTE');
      assert.equal(cdr.cost, 0n);
    });
  });
});

/**
 * The billed call, end to end: the real daemon, through real ari-client, against the ARI
 * simulator on a fake clock, billing into a real database.
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import {
  bridgesLeft,
  SIM_START,
  bLegsOf,
  driveUntil,
  quiet,
  settledCdr,
  startE2e,
  talking,
  waitFor,
  type E2e,
} from './harness.js';

describe('an answered call', function () {
  this.timeout(20_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb);
      await e.t.seedRate({
        prefix: '44',
        rate: '0.05',
        connect: '0.10',
        initial: 60,
        increment: 6,
      });
      await e.t.seedRate({ prefix: '49', rate: '0.05', connect: '0', initial: 60, increment: 6 });
    });
    after(async () => e?.close());

    it('talks 95 s to a 60/6 destination at 0.05/min + 0.10 and is charged 0.18, with CDR, balance and ledger agreeing', async () => {
      e.sim.setRules([{ prefix: '44', action: 'answer', hangupAfterMs: 95_000 }]);
      const acct = await e.t.seedAccount({ balance: '10' });
      const call = e.sim.placeCall({
        exten: '442071234567',
        accountcode: acct.name,
        callerId: 'Alice <1001>',
      });

      // While the call is up, the reservation is there for the operator to count.
      await waitFor('the call to be bridged with its limits', () => talking(e, call.channelId));
      const [{ n }] = (await e.t.knex('astcreditres').count({ n: '*' })) as [
        { n: number | string },
      ];
      assert.equal(Number(n), 1, 'SELECT COUNT(*) FROM astcreditres counts the live call');
      const a = e.sim.channel(call.channelId)!;
      assert.equal(
        a.absoluteDeadline,
        SIM_START + 3600_000,
        'TIMEOUT(absolute) on A = the grant (capped at 3600 s)',
      );

      e.advance(95_000);
      const cdr = await settledCdr(e, call.channelId);
      assert.equal(cdr.disposition, 'ANSWERED');
      assert.equal(cdr.billsec, 95);
      assert.equal(cdr.cost, parseMoney('0.18'), '0.10 + 0.05 × 96/60');
      assert.equal(cdr.answer?.getTime(), SIM_START);
      assert.equal(cdr.end?.getTime(), SIM_START + 95_000);
      assert.equal(cdr.hangupCause, 16);
      assert.equal(cdr.src, '1001');
      assert.equal(cdr.dst, '442071234567');

      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.equal(after.balance, parseMoney('9.82'));
      assert.equal(after.reserved, 0n);
      assert.equal(
        await e.t.store.ledgerSum(acct.id),
        after.balance,
        'the ledger sums to the balance',
      );
      const charges = (await e.t.store.ledger(acct.id)).filter((l) => l.kind === 'charge');
      assert.deepEqual(
        charges.map((l) => [l.amount, l.reference]),
        [[-parseMoney('0.18'), call.channelId]],
      );
      await quiet(e);

      // The far end hung up; the daemon hung up the caller and cleaned the bridge away.
      const [b] = bLegsOf(e).slice(-1);
      assert.equal(e.sim.ended(b!)?.hungUpBy, 'far-end');
      assert.equal(e.sim.ended(call.channelId)?.hungUpBy, 'app');
      assert.equal(e.sim.ended(call.channelId)?.endedAt, SIM_START + 95_000);
      assert.deepEqual(bridgesLeft(e), []);
    });

    it('identifies the caller by the device name, else by caller ID (astani), when the channel has no accountcode', async () => {
      e.sim.setRules([{ prefix: '44', action: 'answer', hangupAfterMs: 2_000 }]);
      const byDevice = await e.t.seedAccount({ balance: '10' });
      const byAni = await e.t.seedAccount({ balance: '10', anis: ['5550199'] });
      const c1 = e.sim.placeCall({ exten: '4420000011', peer: byDevice.name, callerId: '5550199' });
      await waitFor('talking', () => talking(e, c1.channelId));
      e.advance(2_000);
      assert.equal((await settledCdr(e, c1.channelId)).account, byDevice.name);
      const c2 = e.sim.placeCall({
        exten: '4420000012',
        peer: 'nobody-known',
        callerId: 'Carol <5550199>',
      });
      await waitFor('talking', () => talking(e, c2.channelId));
      e.advance(2_000);
      assert.equal((await settledCdr(e, c2.channelId)).account, byAni.name);
      await quiet(e);
    });

    it('passes caller ID on, dials from the ASTBILL_DIAL template with our own ids, A as originator', async () => {
      e.sim.setRules([{ prefix: '44', action: 'answer', hangupAfterMs: 1_000 }]);
      const acct = await e.t.seedAccount({ balance: '10' });
      const call = e.sim.placeCall({
        exten: '4420000001',
        accountcode: acct.name,
        callerId: 'Bob <2002>',
      });
      await waitFor('talking', () => talking(e, call.channelId));
      const bridge = e.sim.bridges()[0]!;
      const bId = bridge.channels.find((id) => id !== call.channelId)!;
      const b = e.sim.channel(bId)!;
      assert.match(bId, /^astbill-e2e-/);
      assert.match(bridge.id, /^astbill-e2e-/);
      assert.equal(b.name.startsWith('Local/4420000001@pstn-sim'), true);
      assert.equal(b.caller.number, '2002');
      assert.equal(
        b.accountcode,
        acct.name,
        'originated with A as originator: B inherits its accountcode',
      );
      e.advance(1_000);
      const cdr = await settledCdr(e, call.channelId);
      assert.equal(cdr.billsec, 1);
      await quiet(e);
    });

    it('is cut by Asterisk’s TIMEOUT(absolute) at 1200 s on a balance of 1.00 at 0.05/min: both legs hung up, charged exactly 1.00', async () => {
      e.sim.setRules([{ prefix: '49', action: 'answer' }]); // the far end would talk forever
      const acct = await e.t.seedAccount({ balance: '1.00' });
      const call = e.sim.placeCall({ exten: '4930123456', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      const start = e.sim.manualClock.now();
      const [bId] = e.sim.bridges()[0]!.channels.filter((id) => id !== call.channelId);
      assert.equal(e.sim.channel(call.channelId)?.absoluteDeadline, start + 1200_000);
      assert.equal(e.sim.channel(bId!)?.absoluteDeadline, start + 1200_000);

      e.advance(1199_000);
      assert.ok(e.sim.channel(call.channelId), 'still talking at 1199 s');
      e.advance(1_000);
      const cdr = await settledCdr(e, call.channelId);
      assert.equal(cdr.billsec, 1200);
      assert.equal(cdr.cost, parseMoney('1.00'));
      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.equal(after.balance, 0n, 'never below zero');
      await quiet(e);
      assert.equal(e.sim.ended(call.channelId)?.hungUpBy, 'timeout');
      assert.equal(e.sim.ended(bId!)?.hungUpBy, 'timeout');
      assert.equal(e.sim.ended(call.channelId)?.endedAt, start + 1200_000);
      assert.deepEqual(bridgesLeft(e), []);
    });

    it('hangs up the far end when the caller hangs up first, billing to the caller’s hangup', async () => {
      e.sim.setRules([{ prefix: '44', action: 'answer' }]);
      const acct = await e.t.seedAccount({ balance: '10' });
      const call = e.sim.placeCall({ exten: '4420000002', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      const [bId] = e.sim.bridges()[0]!.channels.filter((id) => id !== call.channelId);
      e.advance(61_000);
      e.sim.hangupCaller(call.channelId);
      const cdr = await settledCdr(e, call.channelId);
      assert.equal(cdr.billsec, 61);
      assert.equal(cdr.cost, parseMoney('0.155'), '0.10 + 0.05 × 66/60');
      await quiet(e);
      assert.equal(e.sim.ended(call.channelId)?.hungUpBy, 'caller');
      assert.equal(e.sim.ended(bId!)?.hungUpBy, 'app');
      assert.deepEqual(bridgesLeft(e), []);
    });

    it('announces the balance in the account’s currency and the minutes before dialling, in the configured language, when announcements are on', async () => {
      const a2 = await startE2e(tdb, {
        env: { ASTBILL_ANNOUNCE: 'true', ASTBILL_NODE: 'e2e2', ASTBILL_LANGUAGE: 'fr' },
        startTime: SIM_START + 86_400_000,
        rules: [{ prefix: '44', action: 'answer', hangupAfterMs: 10_000 }],
      });
      try {
        const acct = await a2.t.seedAccount({ balance: '12.50', currency: 'USD' });
        const call = a2.sim.placeCall({ exten: '4420000003', accountcode: acct.name });
        const started = await waitFor('the announcement', () =>
          a2.sim
            .sentEvents()
            .find(
              (s) =>
                s.event.type === 'PlaybackStarted' && JSON.stringify(s.event).includes('number:12'),
            ),
        );
        assert.ok(started);
        assert.equal(bLegsOf(a2).length, 0, 'not dialled while the announcement plays');
        // 12.50 at 0.10 + 0.05/min → 3600 s cap → "60 minutes".
        await driveUntil(a2, 'talking', () => talking(a2, call.channelId), {
          stepMs: 1_000,
          maxSimMs: 20_000,
        });
        const media = a2.sim
          .sentEvents()
          .filter((s) => s.event.type === 'PlaybackStarted')
          .map((s) => (s.event as { playback?: { media_uri?: string } }).playback?.media_uri);
        assert.deepEqual(media, [
          'sound:vm-youhave',
          'number:12',
          'sound:digits/dollars',
          'sound:vm-and',
          'number:60',
          'sound:minutes',
        ]);
        const languages = a2.sim
          .sentEvents()
          .filter((s) => s.event.type === 'PlaybackStarted')
          .map((s) => (s.event as { playback?: { language?: string } }).playback?.language);
        assert.deepEqual(
          [...new Set(languages)],
          ['fr'],
          'every prompt asked for in ASTBILL_LANGUAGE',
        );
        a2.advance(10_000);
        const cdr = await settledCdr(a2, call.channelId);
        assert.equal(cdr.billsec, 10);
      } finally {
        await a2.close();
      }
    });
  });
});

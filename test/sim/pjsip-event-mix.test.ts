/**
 * Event realism for PJSIP channels: an answered, billed call between a PJSIP phone and a PJSIP
 * carrier, placed through the real daemon against the simulator, must produce the event mix a
 * real Asterisk 22 sends, so that the daemon's CPU per call is not understated by the simulator.
 * The call runs as the recorded ones did (A subscribed, the carrier rings 1 s): TIMEOUT(absolute) cuts both legs (here at the end of
 * the grant), then the bridge is deleted.
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import type { AriEvent } from '../../daemon/src/sim/index.js';
import { forEachDatabase } from '../support/db.js';
import {
  SIM_START,
  bLegsOf,
  quiet,
  settled,
  settledCdr,
  startE2e,
  talking,
  waitFor,
  type E2e,
} from '../e2e/harness.js';
import { raw } from './helpers.js';

/**
 * Per answered PJSIP phone → PJSIP carrier call, as measured on Asterisk 22.10.1 over 20 calls
 * (recording `pjsip-events-per-call-count`): 47 events in all.
 */
const RECORDED_BY_TYPE: Record<string, number> = {
  BridgeDestroyed: 1,
  ChannelDestroyed: 2,
  ChannelEnteredBridge: 2,
  ChannelHangupRequest: 1,
  ChannelLeftBridge: 2,
  ChannelStateChange: 3,
  ChannelVarset: 29,
  Dial: 3,
  StasisEnd: 2,
  StasisStart: 2,
};
const RECORDED_VARSETS: Record<string, number> = {
  BRIDGEPEER: 8,
  BRIDGEPVTCALLID: 8,
  RTPAUDIOQOS: 2,
  RTPAUDIOQOSJITTER: 2,
  RTPAUDIOQOSLOSS: 2,
  RTPAUDIOQOSMES: 2,
  RTPAUDIOQOSRTT: 2,
  STASISSTATUS: 3,
};

function tally(
  events: AriEvent[],
  key: (e: AriEvent) => string | undefined,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) {
    const k = key(e);
    if (k !== undefined) out[k] = (out[k] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

describe('sim: the event mix of an answered PJSIP call', function () {
  this.timeout(30_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        // The recorded carrier rang 1 s before it answered.
        rules: [{ prefix: '', action: 'answer', answerAfterMs: 1000 }],
        env: { ASTBILL_DIAL: 'PJSIP/{number}@carrier' },
      });
      await e.t.seedRate({ prefix: '44', rate: '0.06', connect: '0', initial: 60, increment: 60 });
    });
    after(async () => e?.close());

    it('sends the recorded 47 events by type and variable, and the daemon still bills exactly', async () => {
      const acct = await e.t.seedAccount({ balance: '0.12' });
      await settled(e);
      const from = e.sim.sentEvents('astbill').length;
      const call = e.sim.placeCall({
        exten: '442071234567',
        tech: 'PJSIP',
        peer: acct.name,
        accountcode: acct.name,
        callerId: 'Alice <1001>',
      });
      // The recorded app subscribed A explicitly, so A's events after StasisEnd reach it too; the
      // daemon does not, so the test does it for it, to count the same stream.
      const sub = await raw(
        e.sim,
        'POST',
        `/ari/applications/astbill/subscription?eventSource=channel:${call.channelId}`,
      );
      assert.equal(sub.status, 200);
      await settled(e);
      e.advance(1000);
      await waitFor('the call to be bridged with its limits', () => talking(e, call.channelId));
      const [b] = bLegsOf(e);
      assert.match(e.sim.channel(b!)!.name, /^PJSIP\//, 'the B leg is a PJSIP channel');

      // The grant (0.12 at 0.06/min = 120 s) runs out: TIMEOUT(absolute) cuts both legs.
      e.advance(120_000);
      const cdr = await settledCdr(e, call.channelId);
      await quiet(e);
      await settled(e);

      assert.equal(cdr.disposition, 'ANSWERED');
      assert.equal(cdr.billsec, 120);
      assert.equal(cdr.cost, parseMoney('0.12'));
      assert.equal(cdr.answer?.getTime(), SIM_START + 1000, 'answered after the carrier rang 1 s');
      assert.equal(cdr.end?.getTime(), SIM_START + 121_000);
      const details = (await e.t.store.accountDetails(acct.name))!;
      assert.equal(details.balance, 0n);
      assert.equal(details.reserved, 0n);
      assert.equal(await e.t.store.ledgerSum(acct.id), details.balance);
      assert.equal(e.sim.ended(call.channelId)?.hungUpBy, 'timeout');
      assert.equal(e.sim.ended(b!)?.hungUpBy, 'timeout');

      // The daemon keeps the empty bridge for its next call and deletes it when it stops
      // (BridgeDestroyed, as in the recording, where the app deleted it at once).
      await e.daemon.close();
      const events = e.sim
        .sentEvents('astbill')
        .slice(from)
        .map((s) => s.event);
      const byType = tally(events, (ev) => ev.type);
      const byVariable = tally(events, (ev) =>
        ev.type === 'ChannelVarset' ? String(ev.variable) : undefined,
      );
      assert.deepEqual(
        { byType, byVariable },
        { byType: RECORDED_BY_TYPE, byVariable: RECORDED_VARSETS },
      );
      assert.equal(events.length, 47);
    });
  });
});

/**
 * Calls whose destination never answers: each gets its disposition, costs nothing, leaves no
 * reservation, and the B leg is hung up (by the far end, the ring timeout, or the daemon).
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import type { FarEndRule } from '../../daemon/src/sim/index.js';
import { forEachDatabase } from '../support/db.js';
import {
  bLegsOf,
  playbacksStarted,
  quiet,
  settledCdr,
  startE2e,
  waitFor,
  type E2e,
} from './harness.js';

describe('a call the destination does not answer', function () {
  this.timeout(20_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb);
      await e.t.seedRate({ prefix: '33', rate: '0.05', connect: '0.10' });
    });
    after(async () => e?.close());

    async function unanswered(
      rule: FarEndRule,
      drive: (aChannelId: string, bChannelId: () => string) => Promise<void> | void,
    ) {
      e.sim.setRules([rule]);
      const acct = await e.t.seedAccount({ balance: '5' });
      const before = new Set(bLegsOf(e));
      const call = e.sim.placeCall({ exten: '33123456', accountcode: acct.name, callerId: '1001' });
      const b = (): string => bLegsOf(e).find((id) => !before.has(id)) ?? '';
      await drive(call.channelId, b);
      const cdr = await settledCdr(e, call.channelId);
      await quiet(e);
      const account = (await e.t.store.accountDetails(acct.name))!;
      assert.equal(cdr.cost, 0n);
      assert.equal(cdr.billsec, 0);
      assert.equal(cdr.answer, null);
      assert.equal(account.balance, parseMoney('5'), 'nothing charged');
      assert.equal(account.reserved, 0n, 'reservation released');
      assert.equal(e.sim.channel(b()), undefined, 'the B leg is gone');
      assert.equal(e.sim.channel(call.channelId), undefined, 'the caller is hung up');
      // Nothing had to be said before dialling: the caller is never answered, so that their
      // phone gets the failure's own cause (SIP 486/480/503), and nothing is played to them.
      assert.equal(e.sim.ended(call.channelId)?.answeredAt, undefined, 'the caller never answered');
      assert.deepEqual(playbacksStarted(e, call.channelId), [], 'nothing played to the caller');
      return { cdr, a: e.sim.ended(call.channelId)!, b: e.sim.ended(b())! };
    }

    it('is busy: BUSY, cause 17, and the caller hears busy', async () => {
      const r = await unanswered({ prefix: '33', action: 'busy' }, () => undefined);
      assert.equal(r.cdr.disposition, 'BUSY');
      assert.equal(r.cdr.hangupCause, 17);
      assert.equal(r.b.hungUpBy, 'far-end');
      assert.equal(r.a.hungUpBy, 'app');
      assert.equal(r.a.cause, 17);
    });

    it('is congested: CONGESTION, cause 34', async () => {
      const r = await unanswered(
        { prefix: '33', action: 'congestion', ringMs: 2000 },
        async (_a, b) => {
          await waitFor('the B leg', () => b() !== '');
          e.advance(2000);
        },
      );
      assert.equal(r.cdr.disposition, 'CONGESTION');
      assert.equal(r.cdr.hangupCause, 34);
      assert.equal(r.a.cause, 34);
    });

    it('is unavailable: FAILED with the cause, no reason (not a refusal)', async () => {
      const r = await unanswered({ prefix: '33', action: 'unavailable' }, () => undefined);
      assert.equal(r.cdr.disposition, 'FAILED');
      assert.equal(r.cdr.reason, null);
    });

    it('rings out after the ring timeout (45 s): NO ANSWER, cause 19, with no NOANSWER Dial event from Asterisk', async () => {
      const r = await unanswered({ prefix: '33', action: 'noanswer' }, async (_a, b) => {
        await waitFor('the B leg ringing', () => b() !== '' && e.sim.stateOf(b()) === 'Ringing');
        e.advance(44_000);
        // advance() runs every timer due by then, the simulator's and the daemon's (its clock is
        // the simulator's): at 44 s neither has ended the call.
        assert.equal(e.sim.stateOf(b()), 'Ringing', 'still ringing at 44 s');
        assert.deepEqual(
          e.daemon.registry.sessions().map((s) => s.info().state),
          ['dialling'],
          'the daemon still waits for the answer at 44 s',
        );
        e.advance(1_000);
      });
      assert.equal(r.cdr.disposition, 'NO ANSWER');
      assert.equal(r.cdr.hangupCause, 19);
      assert.equal(r.b.hungUpBy, 'ring-timeout');
      const noanswerDial = e.sim
        .sentEvents()
        .filter(
          (s) =>
            s.event.type === 'Dial' &&
            (s.event as { dialstatus?: string; peer?: { id?: string } }).peer?.id === r.b.id &&
            (s.event as { dialstatus?: string }).dialstatus === 'NOANSWER',
        );
      assert.equal(noanswerDial.length, 0, 'the outcome came from the hangup causes alone');
      assert.equal(r.cdr.end?.getTime(), r.b.endedAt);
    });

    it('is abandoned by the caller while ringing: CANCEL, and the daemon hangs up the ringing B (Asterisk does not)', async () => {
      const r = await unanswered({ prefix: '33', action: 'noanswer' }, async (a, b) => {
        await waitFor('the B leg ringing', () => b() !== '' && e.sim.stateOf(b()) === 'Ringing');
        e.advance(3_000);
        e.sim.hangupCaller(a);
      });
      assert.equal(r.cdr.disposition, 'CANCEL');
      assert.equal(r.a.hungUpBy, 'caller');
      assert.equal(r.b.hungUpBy, 'app');
      assert.equal(r.cdr.end?.getTime(), r.a.endedAt);
    });
  });
});

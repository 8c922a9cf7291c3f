/**
 * The edges of the voice menu, through the simulator: a call to the access number (`s`, no
 * Stasis args) from any caller, a caller who hangs up while keying, PIN guessing across calls
 * from one caller ID, and calls that arrive while the daemon is shutting down. Every one of
 * them leaves a CDR an auditor can read.
 */
import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import {
  driveUntil,
  quiet,
  settledCdr,
  startE2e,
  talking,
  timesPlayed,
  waitFor,
  type E2e,
} from './harness.js';

describe('the voice menu’s edges', function () {
  this.timeout(40_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        env: { ASTBILL_PIN_LOCKOUT_FAILURES: '4', ASTBILL_PIN_LOCKOUT_MINUTES: '15' },
      });
      await e.t.seedRate({ prefix: '44', rate: '0.06', connect: '0', initial: 1, increment: 1 });
    });
    after(async () => e?.close());

    /** A call to the calling-card access number as extensions.conf sends it: exten `s`, Stasis(astbill) with no args. */
    const accessNumberCall = (o: { accountcode?: string; peer?: string; callerId?: string }) =>
      e.sim.placeCall({ exten: 's', args: [], context: 'calling-card', ...o });

    describe('a call to the access number (exten s, no destination)', () => {
      it('asks a subscriber identified by accountcode for the destination (no PIN) and bills their account', async () => {
        e.sim.setRules([{ prefix: '44', action: 'answer', hangupAfterMs: 12_000 }]);
        const acct = await e.t.seedAccount({ balance: '2' });
        const call = accessNumberCall({ accountcode: acct.name, callerId: '5550111' });
        const A = call.channelId;
        await driveUntil(
          e,
          'the destination prompt',
          () => timesPlayed(e, 'sound:vm-enter-num-to-call', A) === 1,
        );
        assert.equal(
          timesPlayed(e, 'sound:agent-pass', A),
          0,
          'no PIN: the channel named the account',
        );
        assert.equal(e.sim.stateOf(A), 'Up', 'answered to play the prompt');
        e.sim.sendDtmf(A, '4420111#');
        await driveUntil(e, 'the call to be talking', () => talking(e, A), { stepMs: 100 });
        e.advance(12_000);
        const cdr = await settledCdr(e, A);
        assert.equal(cdr.account, acct.name);
        assert.equal(cdr.dst, '4420111');
        assert.equal(cdr.disposition, 'ANSWERED');
        assert.equal(cdr.billsec, 12);
        await quiet(e);
      });

      it('asks an unknown caller for the PIN, then the destination, and bills the card', async () => {
        e.sim.setRules([{ prefix: '44', action: 'answer', hangupAfterMs: 5_000 }]);
        const card = await e.t.seedAccount({ balance: '2', pin: '864200' });
        const call = accessNumberCall({ peer: 'trunk', callerId: '5550112' });
        const A = call.channelId;
        await driveUntil(e, 'the PIN prompt', () => timesPlayed(e, 'sound:agent-pass', A) === 1);
        e.sim.sendDtmf(A, '864200#');
        await driveUntil(
          e,
          'the destination prompt',
          () => timesPlayed(e, 'sound:vm-enter-num-to-call', A) === 1,
        );
        e.sim.sendDtmf(A, '4420112#');
        await driveUntil(e, 'the call to be talking', () => talking(e, A), { stepMs: 100 });
        e.advance(5_000);
        const cdr = await settledCdr(e, A);
        assert.equal(cdr.account, card.name);
        assert.equal(cdr.dst, '4420112');
        await quiet(e);
      });

      it('still refuses a dialled number with digits that is not a number (BADNUMBER), without asking', async () => {
        const acct = await e.t.seedAccount({ balance: '2' });
        const call = e.sim.placeCall({ exten: '44ab12', accountcode: acct.name });
        const cdr = await settledCdr(e, call.channelId);
        assert.equal(cdr.reason, 'BADNUMBER');
        await driveUntil(e, 'the hangup', () => e.sim.ended(call.channelId) !== undefined);
        assert.equal(timesPlayed(e, 'sound:vm-enter-num-to-call', call.channelId), 0);
        await quiet(e);
      });
    });

    describe('when the caller hangs up before anything is dialled', () => {
      it('during PIN entry: a CANCEL CDR with reason ABANDONED, no account, lasting the time spent in the menu', async () => {
        const call = accessNumberCall({ peer: 'trunk', callerId: '5550113' });
        const A = call.channelId;
        await driveUntil(e, 'the PIN prompt', () => timesPlayed(e, 'sound:agent-pass', A) === 1);
        e.sim.sendDtmf(A, '12');
        e.advance(4_000);
        e.sim.hangupCaller(A);
        const cdr = await settledCdr(e, A);
        assert.equal(cdr.disposition, 'CANCEL');
        assert.equal(cdr.reason, 'ABANDONED');
        assert.equal(cdr.account, null);
        assert.equal(cdr.src, '5550113');
        assert.equal(cdr.cost, 0n);
        assert.equal(cdr.billsec, 0);
        assert.ok(cdr.duration >= 4, `duration ${cdr.duration} covers the time in the menu`);
        await quiet(e);
      });

      it('during destination entry after a good PIN: ABANDONED on the card’s account, nothing charged', async () => {
        const card = await e.t.seedAccount({ balance: '2', pin: '975310' });
        const call = accessNumberCall({ peer: 'trunk', callerId: '5550114' });
        const A = call.channelId;
        await driveUntil(e, 'the PIN prompt', () => timesPlayed(e, 'sound:agent-pass', A) === 1);
        e.sim.sendDtmf(A, '975310#');
        await driveUntil(
          e,
          'the destination prompt',
          () => timesPlayed(e, 'sound:vm-enter-num-to-call', A) === 1,
        );
        e.sim.hangupCaller(A);
        const cdr = await settledCdr(e, A);
        assert.equal(cdr.disposition, 'CANCEL');
        assert.equal(cdr.reason, 'ABANDONED');
        assert.equal(cdr.account, card.name);
        assert.equal(cdr.dst, '');
        assert.equal((await e.t.store.accountDetails(card.name))!.balance, 200_000n);
        await quiet(e);
      });
    });

    describe('PIN guessing from one caller ID', () => {
      const wrongPins = async (A: string, n: number, from = 1) => {
        for (let i = from; i < from + n; i++) {
          await driveUntil(e, `PIN prompt ${i}`, () => timesPlayed(e, 'sound:agent-pass', A) === i);
          e.sim.sendDtmf(A, '000#');
        }
      };

      it('locks the caller ID out after 4 wrong PINs over two calls, refuses the next call as LOCKED, and leaves other callers alone', async () => {
        const guesser = '5550666';
        const c1 = accessNumberCall({ peer: 'trunk', callerId: guesser });
        await wrongPins(c1.channelId, 3);
        await driveUntil(e, 'the first call to end', () => e.sim.ended(c1.channelId) !== undefined);
        assert.equal((await settledCdr(e, c1.channelId)).reason, 'BADPIN');

        const c2 = accessNumberCall({ peer: 'trunk', callerId: guesser });
        await wrongPins(c2.channelId, 1);
        await driveUntil(
          e,
          'the lockout announcement',
          () => timesPlayed(e, 'sound:confbridge-pin-bad', c2.channelId) === 1,
        );
        await driveUntil(e, 'the hangup', () => e.sim.ended(c2.channelId) !== undefined);
        const cdr2 = await settledCdr(e, c2.channelId);
        assert.equal(cdr2.reason, 'BADPIN', 'the call that locked it ends as a bad PIN');
        assert.equal(
          timesPlayed(e, 'sound:agent-pass', c2.channelId),
          1,
          'no second try once locked',
        );

        const card = await e.t.seedAccount({ balance: '2', pin: '112233' });
        const c3 = accessNumberCall({ peer: 'trunk', callerId: guesser });
        await driveUntil(
          e,
          'the lockout announcement',
          () => timesPlayed(e, 'sound:confbridge-pin-bad', c3.channelId) === 1,
        );
        await driveUntil(e, 'the hangup', () => e.sim.ended(c3.channelId) !== undefined);
        const cdr3 = await settledCdr(e, c3.channelId);
        assert.equal(cdr3.disposition, 'FAILED');
        assert.equal(cdr3.reason, 'LOCKED');
        assert.equal(cdr3.src, guesser);
        assert.equal(
          timesPlayed(e, 'sound:agent-pass', c3.channelId),
          0,
          'not even asked for a PIN',
        );
        await driveUntil(e, 'the hangup', () => e.sim.ended(c3.channelId)?.hungUpBy === 'app');

        // Another caller ID is not affected.
        e.sim.setRules([{ prefix: '44', action: 'answer', hangupAfterMs: 3_000 }]);
        const other = accessNumberCall({ peer: 'trunk', callerId: '5550777' });
        await driveUntil(
          e,
          'the PIN prompt',
          () => timesPlayed(e, 'sound:agent-pass', other.channelId) === 1,
        );
        e.sim.sendDtmf(other.channelId, '112233#4420777#');
        await driveUntil(e, 'the call to be talking', () => talking(e, other.channelId), {
          stepMs: 100,
        });
        e.advance(3_000);
        assert.equal((await settledCdr(e, other.channelId)).account, card.name);
        await quiet(e);
      });
    });

    describe('while the daemon shuts down', () => {
      it('turns new calls away with a FAILED SHUTDOWN CDR, and a card caller still keying gets one too', async () => {
        e.sim.setRules([{ prefix: '44', action: 'answer' }]);
        const acct = await e.t.seedAccount({ balance: '5' });
        const live = e.sim.placeCall({ exten: '4420999', accountcode: acct.name });
        await waitFor('talking', () => talking(e, live.channelId));
        const keying = accessNumberCall({ peer: 'trunk', callerId: '5550888' });
        await driveUntil(
          e,
          'the PIN prompt',
          () => timesPlayed(e, 'sound:agent-pass', keying.channelId) === 1,
        );

        const closing = e.daemon.close({ drainSeconds: 1 });
        const late = e.sim.placeCall({
          exten: '4420998',
          accountcode: acct.name,
          callerId: '5550999',
        });
        const cdr = await settledCdr(e, late.channelId);
        assert.equal(cdr.disposition, 'FAILED');
        assert.equal(cdr.reason, 'SHUTDOWN');
        assert.equal(cdr.src, '5550999');
        assert.equal(cdr.dst, '4420998');
        assert.equal(cdr.cost, 0n);
        await waitFor('the late call hung up', () => e.sim.ended(late.channelId) !== undefined);
        await closing;

        const keyed = await settledCdr(e, keying.channelId);
        assert.equal(keyed.reason, 'SHUTDOWN');
        assert.equal(keyed.note, 'ended by astbill: shutdown');
        const talked = await settledCdr(e, live.channelId);
        assert.equal(
          talked.disposition,
          'ANSWERED',
          'the live call was ended through the kill path and settled',
        );
      });
    });
  });
});

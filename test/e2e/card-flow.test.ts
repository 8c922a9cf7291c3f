/**
 * The calling-card flow: a caller the channel does not identify keys a PIN (3 tries), then the
 * destination, both `#`-terminated, with type-ahead; the call is billed to the card.
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import {
  driveUntil,
  playbackFinishedAt,
  playbacksStarted,
  quiet,
  settledCdr,
  startE2e,
  talking,
  timesPlayed,
  type E2e,
} from './harness.js';

describe('a calling-card call', function () {
  this.timeout(30_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb);
      await e.t.seedRate({ prefix: '44', rate: '0.06', connect: '0', initial: 1, increment: 1 });
    });
    after(async () => e?.close());

    const cardCall = () =>
      e.sim.placeCall({ exten: '8000', peer: 'payphone', callerId: '5550100' });

    it('asks for the PIN, says it is wrong, takes the right one, then the destination, and bills the card', async () => {
      e.sim.setRules([{ prefix: '44', action: 'answer', hangupAfterMs: 30_000 }]);
      const card = await e.t.seedAccount({ balance: '3', pin: '271828' });
      const call = cardCall();
      const A = call.channelId;

      await driveUntil(e, 'the PIN prompt', () => timesPlayed(e, 'sound:agent-pass', A) === 1);
      assert.equal(e.sim.stateOf(A), 'Up', 'answered to play prompts');
      e.sim.sendDtmf(A, '9999#');
      await driveUntil(
        e,
        'the wrong-PIN message',
        () => timesPlayed(e, 'sound:auth-incorrect', A) === 1,
      );
      const firstPrompt = playbacksStarted(e, A)[0]!;
      const stoppedAt = playbackFinishedAt(e, firstPrompt.id);
      assert.ok(
        stoppedAt !== undefined && stoppedAt - firstPrompt.at < 3300,
        'the prompt was stopped on the first digit',
      );

      await driveUntil(
        e,
        'the second PIN prompt',
        () => timesPlayed(e, 'sound:agent-pass', A) === 2,
      );
      e.sim.sendDtmf(A, '271828#');
      await driveUntil(
        e,
        'the destination prompt',
        () => timesPlayed(e, 'sound:vm-enter-num-to-call', A) === 1,
      );
      e.sim.sendDtmf(A, '442079460000#');
      await driveUntil(e, 'the call to be talking', () => talking(e, A), { stepMs: 100 });
      e.advance(30_000);

      const cdr = await settledCdr(e, A);
      assert.equal(cdr.account, card.name);
      assert.equal(cdr.dst, '442079460000');
      assert.equal(cdr.src, '5550100');
      assert.equal(cdr.disposition, 'ANSWERED');
      assert.equal(cdr.billsec, 30);
      assert.equal(cdr.cost, parseMoney('0.03'));
      assert.equal((await e.t.store.accountDetails(card.name))!.balance, parseMoney('2.97'));
      await quiet(e);
    });

    it('takes PIN and destination keyed ahead, before the prompts are over', async () => {
      e.sim.setRules([{ prefix: '44', action: 'answer', hangupAfterMs: 5_000 }]);
      const card = await e.t.seedAccount({ balance: '3', pin: '314159' });
      const call = cardCall();
      const A = call.channelId;
      await driveUntil(e, 'the PIN prompt', () => timesPlayed(e, 'sound:agent-pass', A) === 1);
      e.sim.sendDtmf(A, '314159#4420555#', { gapMs: 0 });
      await driveUntil(e, 'the call to be talking', () => talking(e, A), { stepMs: 100 });
      assert.equal(
        timesPlayed(e, 'sound:vm-enter-num-to-call', A),
        0,
        'no destination prompt: the number was already keyed',
      );
      e.advance(5_000);
      const cdr = await settledCdr(e, A);
      assert.equal(cdr.account, card.name);
      assert.equal(cdr.dst, '4420555');
      await quiet(e);
    });

    it('says goodbye and hangs up after three wrong PINs, leaving a FAILED BADPIN CDR', async () => {
      const call = cardCall();
      const A = call.channelId;
      for (let i = 1; i <= 3; i++) {
        await driveUntil(e, `PIN prompt ${i}`, () => timesPlayed(e, 'sound:agent-pass', A) === i);
        e.sim.sendDtmf(A, '000#');
      }
      await driveUntil(e, 'the goodbye', () => timesPlayed(e, 'sound:vm-goodbye', A) === 1);
      await driveUntil(e, 'the hangup', () => e.sim.ended(A) !== undefined);
      assert.equal(timesPlayed(e, 'sound:auth-incorrect', A), 2, 'between the tries only');
      assert.equal(e.sim.ended(A)?.hungUpBy, 'app');
      const cdr = await settledCdr(e, A);
      assert.equal(cdr.disposition, 'FAILED');
      assert.equal(cdr.reason, 'BADPIN');
      assert.equal(cdr.cost, 0n);
      await quiet(e);
    });

    it('lets the caller try another destination after a busy one (a new call attempt)', async () => {
      e.sim.setRules([
        { prefix: '443', action: 'busy' },
        { prefix: '44', action: 'answer', hangupAfterMs: 12_000 },
      ]);
      const card = await e.t.seedAccount({ balance: '3', pin: '161803' });
      const call = cardCall();
      const A = call.channelId;
      await driveUntil(e, 'the PIN prompt', () => timesPlayed(e, 'sound:agent-pass', A) === 1);
      e.sim.sendDtmf(A, '161803#4430000#', { gapMs: 0 });
      await driveUntil(
        e,
        'the prompt for another destination',
        () => timesPlayed(e, 'sound:vm-enter-num-to-call', A) === 1,
      );
      assert.equal(
        timesPlayed(e, 'sound:vm-nobodyavail', A),
        1,
        'told the destination did not answer',
      );
      e.sim.sendDtmf(A, '4420000#');
      await driveUntil(e, 'the call to be talking', () => talking(e, A), { stepMs: 100 });
      e.advance(12_000);

      const busy = await settledCdr(e, A);
      assert.equal(busy.disposition, 'BUSY');
      assert.equal(busy.dst, '4430000');
      assert.equal(busy.cost, 0n);
      const second = await settledCdr(e, `${A}.1`);
      assert.equal(second.disposition, 'ANSWERED');
      assert.equal(second.dst, '4420000');
      assert.equal(second.billsec, 12);
      assert.equal(second.account, card.name);
      assert.equal((await e.t.store.accountDetails(card.name))!.balance, parseMoney('2.988'));
      await quiet(e);
    });
  });
});

/**
 * A PIN-guessing attack through the simulator: wrong PINs from a new caller ID on every call,
 * which the per-caller lockout alone never stops. The cluster-wide limit slows card access,
 * then refuses it while the attack runs, and opens again when the window has passed; callers
 * identified by their channel are not affected.
 */
import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import { driveUntil, quiet, settledCdr, startE2e, timesPlayed, type E2e } from './harness.js';

describe('a PIN-guessing attack from rotating caller IDs', function () {
  this.timeout(120_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        daemonOnSimClock: true,
        env: {
          ASTBILL_PIN_TRIES: '3',
          ASTBILL_PIN_LOCKOUT_FAILURES: '5',
          ASTBILL_PIN_LOCKOUT_MINUTES: '15',
          ASTBILL_PIN_SLOW_FAILURES: '6',
          ASTBILL_PIN_SLOW_SECONDS: '4',
          ASTBILL_PIN_REFUSE_FAILURES: '12',
        },
      });
      await e.t.seedRate({ prefix: '44', rate: '0.06', connect: '0', initial: 1, increment: 1 });
    });
    after(async () => e?.close());

    const cardCall = (callerId: string) =>
      e.sim.placeCall({ exten: 's', args: [], context: 'calling-card', peer: 'trunk', callerId })
        .channelId;

    /** One attacker call: three wrong PINs, then the call ends. */
    const attack = async (callerId: string): Promise<string> => {
      const A = cardCall(callerId);
      for (let i = 1; i <= 3; i++) {
        await driveUntil(e, `${callerId}: PIN prompt ${i}`, () => {
          const asked = timesPlayed(e, 'sound:agent-pass', A) >= i;
          return asked || e.sim.ended(A) !== undefined;
        });
        if (e.sim.ended(A) || timesPlayed(e, 'sound:confbridge-pin-bad', A) > 0) break;
        e.sim.sendDtmf(A, '000000#');
      }
      await driveUntil(e, `${callerId}: the hangup`, () => e.sim.ended(A) !== undefined);
      return A;
    };

    it('slows, then refuses card access, with 0 caller IDs locked, and opens again after the window', async () => {
      const card = await e.t.seedAccount({ balance: '2', pin: '73950146' });
      const subscriber = await e.t.seedAccount({ balance: '2' });
      const calls: string[] = [];
      for (let i = 0; i < 4; i++) calls.push(await attack(`4477009001${i}`));

      // 1-6: full speed. 7-9 (third call): each PIN waits 4 s of silence before it is checked.
      assert.equal(timesPlayed(e, 'sound:silence/4', calls[1]), 0);
      assert.equal(timesPlayed(e, 'sound:silence/4', calls[2]), 3);
      // The 12th wrong PIN (fourth call, third try) closes card access: the lockout announcement.
      assert.equal(timesPlayed(e, 'sound:confbridge-pin-bad', calls[3]), 1);
      for (const A of calls) assert.equal((await settledCdr(e, A)).reason, 'BADPIN');
      const rows = await e.t
        .knex('astpinfail')
        .select('caller')
        .count({ n: '*' })
        .groupBy('caller');
      assert.equal(
        rows.length,
        4,
        'four caller IDs, three failures each: none reached its own lockout',
      );

      // While the attack runs, even the right PIN from a new caller ID is refused, unasked.
      const refused = cardCall('15550100');
      await driveUntil(e, 'the refusal', () => e.sim.ended(refused) !== undefined);
      assert.equal((await settledCdr(e, refused)).reason, 'LOCKED');
      assert.equal(timesPlayed(e, 'sound:agent-pass', refused), 0);
      assert.equal(timesPlayed(e, 'sound:confbridge-pin-bad', refused), 1);

      // A subscriber identified by accountcode never meets the PIN limits.
      const sub = e.sim.placeCall({
        exten: 's',
        args: [],
        context: 'calling-card',
        accountcode: subscriber.name,
      }).channelId;
      await driveUntil(
        e,
        'the destination prompt',
        () => timesPlayed(e, 'sound:vm-enter-num-to-call', sub) === 1,
      );
      e.sim.hangupCaller(sub);
      assert.equal((await settledCdr(e, sub)).account, subscriber.name);

      // Fifteen minutes on, the guesses have aged out: the card works again, without waiting.
      e.advance(15 * 60_000);
      const later = cardCall('15550100');
      await driveUntil(e, 'the PIN prompt', () => timesPlayed(e, 'sound:agent-pass', later) === 1);
      e.sim.sendDtmf(later, '73950146#');
      await driveUntil(
        e,
        'the destination prompt',
        () => timesPlayed(e, 'sound:vm-enter-num-to-call', later) === 1,
      );
      assert.equal(timesPlayed(e, 'sound:silence/4', later), 0);
      e.sim.hangupCaller(later);
      const cdr = await settledCdr(e, later);
      assert.equal(cdr.account, card.name);
      assert.equal(cdr.reason, 'ABANDONED');
      await quiet(e);
    });
  });
});

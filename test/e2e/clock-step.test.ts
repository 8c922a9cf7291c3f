/**
 * The daemon's wall clock steps mid-call (NTP, an operator): billing must not move with it.
 * Billsec is measured on Asterisk's clock; the moments the daemon stamps itself (a checkpoint,
 * the websocket's last word before a gap) must be on that clock too, and a grant's limit on a
 * clock that never steps. Found by the chaos simulation (seed 3: a +60 s step, then a websocket
 * gap in which the call ended: billed 127 s for 70 s of talk).
 */
import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import { bLegsOf, quiet, settledCdr, startE2e, talking, waitFor, type E2e } from './harness.js';

/** Moves the sim clock one second at a time (each checkpoint tick runs on its own second). */
function seconds(e: E2e, n: number): void {
  for (let i = 0; i < n; i++) e.advance(1000);
}

describe('a step of the daemon’s wall clock mid-call', function () {
  this.timeout(30_000);
  forEachDatabase((tdb) => {
    it('bills a call that ended during a websocket gap no further than it was confirmed up on Asterisk’s clock', async () => {
      const e = await startE2e(tdb, {
        daemonOnSimClock: true,
        env: { ASTBILL_CHECKPOINT_SECONDS: '5', ASTBILL_GAP_POLL_SECONDS: '0' },
      });
      try {
        await e.t.seedRate({ prefix: '44', rate: '0.06', connect: '0', initial: 1, increment: 1 });
        const acct = await e.t.seedAccount({ balance: '5' });
        const call = e.sim.placeCall({ exten: '4420', accountcode: acct.name });
        await waitFor('talking', () => talking(e, call.channelId));
        const [bId] = bLegsOf(e);
        const checkpoint = async (): Promise<number | null> =>
          (await e.t.store.grantColumns(call.channelId))?.checkpointSecs ?? null;
        await waitFor('the answer on record', async () =>
          (await e.t.store.reservations()).some((r) => r.uniqueid === call.channelId && r.answer),
        );
        seconds(e, 6);
        const first = await waitFor('the first checkpoint', checkpoint);

        // The daemon's wall clock jumps a minute ahead; Asterisk's does not.
        e.daemonClock!.stepWall(60_000);
        seconds(e, 5);
        const second = await waitFor('the next checkpoint', async () => {
          const s = await checkpoint();
          return s !== null && s > first ? s : null;
        });
        const answeredAt = e.sim.channel(call.channelId)!.answeredAt!;
        const talkedSoFar = Math.floor((e.sim.manualClock.now() - answeredAt) / 1000);
        assert.ok(second <= talkedSoFar, `checkpoint ${second} s after ${talkedSoFar} s of talk`);

        // The websocket drops (Asterisk refuses the reconnect for a while); the far end hangs up.
        const refuse = e.sim.faults.add({ method: 'GET', path: '/events', status: 503 });
        e.sim.dropWebsockets('astbill');
        await waitFor('the app to be disconnected', () => !e.sim.appConnected('astbill'));
        seconds(e, 3);
        e.sim.hangupCaller(bId!);
        refuse();
        await waitFor('the daemon to reconnect', () => e.sim.appConnected('astbill'), 10_000);
        const cdr = await settledCdr(e, call.channelId, 10_000);
        const talkMs = e.sim.ended(bId!)!.endedAt - answeredAt;
        assert.equal(cdr.endSource, 'last-up', 'its end was not seen');
        assert.ok(
          cdr.billsec <= Math.floor(talkMs / 1000),
          `billed ${cdr.billsec} s for ${talkMs} ms of talk`,
        );
        assert.ok(cdr.billsec >= second, `billed ${cdr.billsec} s, proven ${second} s`);
        const after = (await e.t.store.accountByName(acct.name))!;
        assert.equal(after.reserved, 0n);
        assert.equal(after.balance, acct.balance - cdr.cost, 'charged what the CDR says');
        await quiet(e);
      } finally {
        await e.close();
      }
    });

    it('keeps a grant-mode call to its grant when the wall clock steps back', async () => {
      const e = await startE2e(tdb, {
        daemonOnSimClock: true,
        startTime: Date.parse('2026-11-22T11:00:00.000Z'),
        env: {
          ASTBILL_CHARGING_MODE: 'grant',
          ASTBILL_GRANT_SECONDS: '60',
          ASTBILL_GRANT_MARGIN: '10',
          ASTBILL_GRANT_DEADLINE_MS: '2500',
        },
      });
      try {
        await e.t.seedRate({ prefix: '44', rate: '0.06', connect: '0', initial: 1, increment: 1 });
        const acct = await e.t.seedAccount({ balance: '5' });
        const call = e.sim.placeCall({ exten: '4421', accountcode: acct.name });
        await waitFor('talking', () => talking(e, call.channelId));
        const deadline = (): number | undefined => e.sim.channel(call.channelId)?.absoluteDeadline;
        const firstEnd = deadline()!;
        e.advance(30_000);
        // A minute back: measured on the wall clock, the grant would seem to have 60 s more left.
        e.daemonClock!.stepWall(-60_000);
        e.advance(20_000); // the extension is asked 10 s before the grant's end
        const secondEnd = await waitFor('the grant extended', () =>
          deadline() !== firstEnd ? deadline() : undefined,
        );
        assert.ok(
          secondEnd <= firstEnd + 60_000 && secondEnd > firstEnd + 58_500,
          `the extended grant ends ${secondEnd - firstEnd} ms after the first (60 s granted)`,
        );
        e.sim.hangupCaller(call.channelId);
        const cdr = await settledCdr(e, call.channelId);
        assert.equal(cdr.billsec, 50);
        await quiet(e);
      } finally {
        await e.close();
      }
    });
  });
});

/**
 * A websocket that stalls (stays open, carries nothing) before the daemon notices it is lost
 * (real daemon, ARI simulator, the daemon on the simulator's clock). Until the notice the link
 * looks connected, but it proves the calls up only until it was last heard: the last event
 * frame's timestamp or the send time of the last ping it answered. Calls that ended unseen in
 * between are billed to that moment, never to the (late) notice (issue #20; chaos seed 126).
 */
import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import {
  driveUntil,
  lastEventAt,
  quiet,
  settled,
  settledCdr,
  SIM_START,
  startE2e,
  talking,
  waitFor,
  type E2e,
  type E2eOptions,
} from './harness.js';

const NO_GAP_WORK = { ASTBILL_GAP_POLL_SECONDS: '0', ASTBILL_CHECKPOINT_SECONDS: '0' };

async function rig(tdb: Parameters<typeof startE2e>[0], opts: E2eOptions): Promise<E2e> {
  const e = await startE2e(tdb, {
    rules: [{ prefix: '', action: 'answer' }],
    daemonOnSimClock: true,
    ...opts,
  });
  await e.t.seedRate({ prefix: '44', rate: '0.06', connect: '0', initial: 1, increment: 1 });
  return e;
}

async function call(e: E2e, account: string, exten: string): Promise<string> {
  const c = e.sim.placeCall({ exten, accountcode: account });
  await waitFor('talking', () => talking(e, c.channelId));
  await settled(e);
  return c.channelId;
}

/** Whole seconds from a channel's answer to `at` (sim-clock ms). */
const secondsTo = (e: E2e, channelId: string, at: number): number =>
  Math.floor((at - e.sim.ended(channelId)!.answeredAt!) / 1000);

/** Waits until the daemon has reconnected (`checks`: its connect checks before) and ended every call. */
async function afterReconnect(e: E2e, checks: number): Promise<void> {
  await waitFor('the reconnect', () => e.daemon.connectChecksDone > checks, 15_000);
  await driveUntil(e, 'every call settled', () => e.daemon.liveCalls === 0, {
    stepMs: 500,
    maxSimMs: 15_000,
  });
}

describe('a websocket that stalls before the daemon notices its loss', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    describe('noticed when the socket finally closes', () => {
      let e: E2e;
      before(async () => (e = await rig(tdb, { env: NO_GAP_WORK, startTime: SIM_START })));
      after(async () => e?.close());

      it('bills the calls that ended unseen to the last frame heard, not to the notice', async () => {
        const acct = await e.t.seedAccount({ balance: '50' });
        const a = await call(e, acct.name, '4420');
        e.advance(2_000);
        const b = await call(e, acct.name, '4421');
        const c = await call(e, acct.name, '4422');
        e.advance(4_000);
        e.sim.hangupCaller(c); // seen: its frames prove the link up 6 s after A's answer
        await settledCdr(e, c);
        const heard = lastEventAt(e);
        e.sim.stallWebsockets('astbill');
        e.advance(1_000);
        e.sim.hangupCaller(a); // nobody hears of these two
        e.sim.hangupCaller(b);
        e.advance(17_000);
        const checks = e.daemon.connectChecksDone;
        e.sim.dropWebsockets('astbill'); // the loss is noticed only now, 24 s after A's answer
        await afterReconnect(e, checks);
        const [ca, cb] = [await settledCdr(e, a), await settledCdr(e, b)];
        assert.equal(secondsTo(e, a, heard), 6);
        assert.equal(secondsTo(e, b, heard), 4);
        assert.equal(
          ca.billsec,
          6,
          'A billed to the last frame heard (7 s talked, 24 s to the notice)',
        );
        assert.equal(
          cb.billsec,
          4,
          'B billed to the last frame heard (5 s talked, 22 s to the notice)',
        );
        assert.equal((await settledCdr(e, c)).billsec, 4, 'the call whose end was seen, exactly');
        await quiet(e);
      });
    });

    describe('noticed by the ping watchdog', () => {
      let e: E2e;
      before(
        async () =>
          (e = await rig(tdb, {
            env: NO_GAP_WORK,
            startTime: SIM_START + 3_600_000,
            deps: {
              ari: {
                requestTimeoutMs: 3000,
                connectTimeoutMs: 5000,
                pingIntervalMs: 250,
                backoffBaseMs: 50,
                backoffMaxMs: 500,
              },
            },
          })),
      );
      after(async () => e?.close());

      it('bills a call that ended unseen to the send time of the last ping answered', async () => {
        const acct = await e.t.seedAccount({ balance: '50' });
        const a = await call(e, acct.name, '4420');
        const answeredAt = e.sim.channel(a)!.answeredAt!;
        e.advance(4_000);
        // Two more pongs: the second answers a ping sent after the first, so after the advance.
        const pongs = e.sim.pingsAnswered;
        await waitFor(
          'a ping sent 4 s after the answer answered',
          () => e.sim.pingsAnswered >= pongs + 2,
        );
        assert.ok(lastEventAt(e) < answeredAt + 1000, 'no frame proves a whole second of talk');
        const checks = e.daemon.connectChecksDone;
        e.sim.stallWebsockets('astbill');
        e.advance(1_000);
        e.sim.hangupCaller(a); // nobody hears of it
        e.advance(19_000);
        await afterReconnect(e, checks); // the watchdog gave the link up 24 s after the answer
        const cdr = await settledCdr(e, a);
        assert.equal(
          cdr.billsec,
          4,
          'billed to the last ping answered (5 s talked, 24 s to the notice)',
        );
        await quiet(e);
      });
    });

    describe('in grant mode', () => {
      let e: E2e;
      before(
        async () =>
          (e = await rig(tdb, {
            startTime: SIM_START + 7_200_000,
            env: {
              ...NO_GAP_WORK,
              ASTBILL_CHARGING_MODE: 'grant',
              ASTBILL_GRANT_SECONDS: '30',
              ASTBILL_GRANT_MARGIN: '10',
            },
          })),
      );
      after(async () => e?.close());

      it('an extension asked on a stalled link claims only the time it proved', async () => {
        const acct = await e.t.seedAccount({ balance: '5' });
        const a = await call(e, acct.name, '4420');
        const b = await call(e, acct.name, '4421');
        e.advance(4_000);
        e.sim.hangupCaller(b); // seen: its frames prove the link up 4 s after A's answer
        await settledCdr(e, b);
        const heard = lastEventAt(e);
        e.sim.stallWebsockets('astbill');
        e.advance(6_000);
        e.sim.hangupCaller(a); // 10 s of talk; nobody hears of it
        // 20 s into the 30 s grant the daemon asks for the next one, the link still "connected".
        for (let i = 0; i < 11; i++) {
          e.advance(1_000);
          await settled(e);
        }
        await waitFor(
          'the extension',
          async () => ((await e.t.store.cdr(a))?.maxSeconds ?? 0) > 30,
        );
        const checks = e.daemon.connectChecksDone;
        e.sim.dropWebsockets('astbill');
        await afterReconnect(e, checks);
        const cdr = await settledCdr(e, a);
        assert.equal(secondsTo(e, a, heard), 4);
        assert.equal(cdr.disposition, 'ANSWERED');
        assert.equal(
          cdr.billsec,
          4,
          'billed to the last frame heard (10 s talked, extension at 20 s)',
        );
        await quiet(e);
      });
    });
  });
});

/**
 * One leg's end is seen while the other's fate is unproven (real daemon, ARI simulator, the
 * daemon on the simulator's clock): the far end hung up unseen during a websocket gap, and the
 * channel list after the reconnect fails, so the caller's leg is still supervised when
 * Asterisk's time limit cuts it, after the reconnect. The call talked only while BOTH legs were
 * up: it is billed to the last moment it was proven up, not to the caller's seen end (chaos seed
 * 126: 20 s billed for 15 s of talk). Counter-cases, on the same unproven link: the far end's
 * hang-up is seen and the caller is still there (the daemon's hang-up of the caller succeeds),
 * and both legs are cut by their time limits at once: the seen end is billed in full.
 */
import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import {
  bLegsOf,
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
} from './harness.js';

/** Far ends by dialled number: 4421 hangs up 6 s after answering (in the gap), 4422 after 10 s. */
const RULES = [
  { prefix: '', action: 'answer' as const },
  { prefix: '4421', action: 'answer' as const, hangupAfterMs: 6_000 },
  { prefix: '4422', action: 'answer' as const, hangupAfterMs: 10_000 },
];

async function rig(tdb: Parameters<typeof startE2e>[0], startTime: number): Promise<E2e> {
  const e = await startE2e(tdb, {
    env: { ASTBILL_GAP_POLL_SECONDS: '0', ASTBILL_CHECKPOINT_SECONDS: '0' },
    rules: RULES,
    daemonOnSimClock: true,
    startTime,
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

/**
 * 5 s after `a`'s answer a short call's (another account's) seen hang-up proves the link up (the last frame heard),
 * then the websocket drops for 2 s; it comes back with every channel list failing (the live
 * check cannot prove anything). Returns that moment, and the list fault's remover.
 */
async function gapThenUnprovenLink(
  e: E2e,
  a: string,
): Promise<{ heard: number; unblockLists: () => void }> {
  const other = await e.t.seedAccount({ balance: '50' });
  const short = await call(e, other.name, '4430');
  e.advance(5_000);
  e.sim.hangupCaller(short);
  await settledCdr(e, short);
  const heard = lastEventAt(e);
  assert.equal(heard - e.sim.channel(a)!.answeredAt!, 5_000, 'the link heard 5 s into the call');
  const blockWs = e.sim.faults.add({ path: '/events', status: 503 });
  e.sim.dropWebsockets('astbill');
  await waitFor('the app to be disconnected', () => !e.sim.appConnected('astbill'));
  e.advance(2_000);
  const unblockLists = e.sim.faults.add({ method: 'GET', path: /^\/channels$/, status: 500 });
  const checks = e.daemon.connectChecksDone;
  blockWs();
  await waitFor('the daemon to reconnect', () => e.sim.appConnected('astbill'), 15_000);
  await waitFor('the post-connect check (it fails)', () => e.daemon.connectChecksDone > checks);
  return { heard, unblockLists };
}

/** Drives the clock until the daemon has settled every call. */
async function untilSettled(e: E2e): Promise<void> {
  await driveUntil(e, 'every call settled', () => e.daemon.liveCalls === 0, {
    stepMs: 500,
    maxSimMs: 60_000,
  });
}

/** The far-end leg of the call that talked on A (not the short call's). */
const bLegOf = (e: E2e, a: string): string =>
  bLegsOf(e).find((id) => e.sim.ended(id)?.number.startsWith(e.sim.ended(a)!.number))!;

describe('a seen end of one leg while the other leg is unproven', function () {
  this.timeout(90_000);
  forEachDatabase((tdb) => {
    describe('the far end gone unseen in the gap, the caller cut later by the time limit', () => {
      let e: E2e;
      before(async () => (e = await rig(tdb, SIM_START)));
      after(async () => e?.close());

      it('bills to the last moment proven up, not to the caller’s seen end', async () => {
        // 0.02 at 0.06 a minute pays 20 s: both legs get TIMEOUT(absolute) 20 s after the answer.
        const acct = await e.t.seedAccount({ balance: '0.02' });
        const a = await call(e, acct.name, '4421');
        const answer = e.sim.channel(a)!.answeredAt!;
        assert.equal(e.sim.channel(a)!.absoluteDeadline, answer + 20_000);
        const { heard, unblockLists } = await gapThenUnprovenLink(e, a);
        await untilSettled(e);
        const [ea, eb] = [e.sim.ended(a)!, e.sim.ended(bLegOf(e, a))!];
        assert.equal(eb.hungUpBy, 'far-end');
        assert.equal(eb.endedAt - answer, 6_000, 'the far end hung up 6 s in, during the gap');
        assert.equal(ea.hungUpBy, 'timeout', 'the caller was cut by the time limit…');
        assert.equal(ea.endedAt - answer, 20_000, '…20 s in, after the reconnect (its end seen)');
        const cdr = await settledCdr(e, a);
        assert.equal(cdr.disposition, 'ANSWERED');
        assert.equal(
          cdr.billsec,
          Math.floor((heard - answer) / 1000),
          'billed to the last frame heard (5 s): 6 s talked, not the 20 s to the caller’s end',
        );
        assert.equal(cdr.endSource, 'last-up', 'the CDR says its end was not seen');
        unblockLists();
        await quiet(e);
      });
    });

    describe('the far end’s hang-up seen after the reconnect, the caller really up', () => {
      let e: E2e;
      before(async () => (e = await rig(tdb, SIM_START + 3_600_000)));
      after(async () => e?.close());

      it('bills the whole talk: the daemon’s hang-up of the caller proves it was up', async () => {
        const acct = await e.t.seedAccount({ balance: '50' });
        const a = await call(e, acct.name, '4422');
        const answer = e.sim.channel(a)!.answeredAt!;
        const { unblockLists } = await gapThenUnprovenLink(e, a);
        await untilSettled(e);
        const [ea, eb] = [e.sim.ended(a)!, e.sim.ended(bLegOf(e, a))!];
        assert.equal(eb.hungUpBy, 'far-end');
        assert.equal(
          eb.endedAt - answer,
          10_000,
          'the far end hung up 10 s in, after the reconnect',
        );
        assert.equal(ea.hungUpBy, 'app', 'the daemon hung the caller up');
        const cdr = await settledCdr(e, a);
        assert.equal(cdr.billsec, 10, 'every second talked, the link unproven or not');
        assert.equal(cdr.endSource, null, 'its end was seen');
        unblockLists();
        await quiet(e);
      });
    });

    describe('both legs cut by their time limits at once after the reconnect', () => {
      let e: E2e;
      before(async () => (e = await rig(tdb, SIM_START + 7_200_000)));
      after(async () => e?.close());

      it('bills the whole talk: the other leg’s own end is seen, just behind', async () => {
        const acct = await e.t.seedAccount({ balance: '0.02' });
        const a = await call(e, acct.name, '4420');
        const answer = e.sim.channel(a)!.answeredAt!;
        const { unblockLists } = await gapThenUnprovenLink(e, a);
        await untilSettled(e);
        const [ea, eb] = [e.sim.ended(a)!, e.sim.ended(bLegOf(e, a))!];
        assert.deepEqual(
          [ea.hungUpBy, eb.hungUpBy, ea.endedAt - answer, eb.endedAt - answer],
          ['timeout', 'timeout', 20_000, 20_000],
          'both legs cut by TIMEOUT(absolute) 20 s in',
        );
        const cdr = await settledCdr(e, a);
        assert.equal(cdr.billsec, 20, 'the grant, talked in full');
        assert.equal(cdr.endSource, null, 'its end was seen');
        unblockLists();
        await quiet(e);
      });
    });
  });
});

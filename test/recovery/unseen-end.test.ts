/**
 * A call whose end the daemon did not see is billed to what can be proven: the last moment it
 * was confirmed up (the default policy), or exactly to Asterisk's own CDR when Asterisk writes
 * one into the billing database; the CDR says which (end_source). Real daemon and ari-client
 * against the simulator; for the websocket gap the daemon runs on the simulator's clock, so a
 * 300 s gap takes no real time; for kill -9 and restart it is the real `astbill start`.
 */
import assert from 'node:assert/strict';
import { toDbTime } from '../../daemon/src/store/time.js';
import { forEachDatabase } from '../support/db.js';
import {
  bridgesLeft,
  SIM_START,
  quiet,
  settledCdr,
  startE2e,
  talking,
  waitFor,
  type E2e,
} from '../e2e/harness.js';
import {
  assertBooks,
  bLegOf,
  checkpointsOf,
  journalDirFor,
  killAll,
  rigOn,
  sleep,
  spawnDaemon,
  talking as talkingOn,
  trueCall,
  until,
} from './rig.js';

describe('a call whose end was not seen', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    let startAt = SIM_START;
    beforeEach(async () => {
      // Each rig its own sim start: channel ids derive from it, and the database is shared.
      startAt += 86_400_000;
      e = await startE2e(tdb, {
        startTime: startAt,
        daemonOnSimClock: true,
        env: { ASTBILL_CHECKPOINT_SECONDS: '5', ASTBILL_GAP_POLL_SECONDS: '5' },
      });
      await e.t.seedRate({ prefix: '44', rate: '0.60', connect: '0', initial: 1, increment: 1 });
    });
    afterEach(async () => e?.close());

    /** Answers a call, then takes the websocket away (Asterisk refuses the reconnect; REST still answers). */
    async function callThenGap(): Promise<{
      a: string;
      b: string;
      answer: number;
      reopen(): void;
    }> {
      const acct = await e.t.seedAccount({ balance: '50' });
      const call = e.sim.placeCall({ exten: '4420', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      const b = e.sim.bridges()[0]!.channels.find((id) => id !== call.channelId)!;
      const answer = e.sim.channel(b)!.answeredAt!;
      const blockWs = e.sim.faults.add({ path: '/events', status: 503 });
      e.sim.dropWebsockets('astbill');
      await waitFor('the app disconnected', () => !e.sim.appConnected('astbill'));
      return {
        a: call.channelId,
        b,
        answer,
        reopen: blockWs,
      };
    }

    /** Moves the clock to `answer + secs`, waiting at each checkpoint tick until it is written. */
    async function talkUntil(uniqueid: string, answer: number, secs: number): Promise<void> {
      while (e.sim.clock.now() < answer + secs * 1000) {
        e.advance(1_000);
        const talked = Math.floor((e.sim.clock.now() - answer) / 1000);
        const tick = Math.floor((e.sim.clock.now() - startAt) / 1000) % 5 === 0;
        if (tick)
          await waitFor(`checkpoint at ${talked} s`, async () => {
            const c = (await checkpointsOf(e.t, [uniqueid])).get(uniqueid) ?? -1;
            return c >= talked - 1;
          });
      }
    }

    /**
     * Advances the clock in poll steps (waiting each time for Asterisk to be asked which channels
     * are up) until the call is settled or the gap of `gapSeconds` is over.
     */
    async function gapUntilSettled(uniqueid: string, gapSeconds: number) {
      const lists = e.sim.faults.hits;
      const listed = () => lists.filter((h) => h.method === 'GET' && h.path === '/channels').length;
      const count = e.sim.faults.add({ method: 'GET', path: '/channels' }); // counts, changes nothing
      const until = e.sim.clock.now() + gapSeconds * 1000;
      try {
        while (e.sim.clock.now() < until) {
          if ((await e.t.store.cdr(uniqueid))?.status === 'settled') break;
          const before = listed();
          e.advance(5_000);
          await waitFor(
            'Asterisk asked which channels are up',
            async () => listed() > before || (await e.t.store.cdr(uniqueid))?.status === 'settled',
          );
        }
      } finally {
        count();
      }
      return settledCdr(e, uniqueid, 10_000);
    }

    it('caller hangs up at 20 s of a 300 s websocket gap: billed to its last confirmed moment, flagged, the B leg hung up', async () => {
      const g = await callThenGap();
      await talkUntil(g.a, g.answer, 22);
      e.sim.hangupCaller(g.a); // at 22 s; the last stamp is at 20 s at the latest
      const trueSecs = Math.floor((e.sim.ended(g.a)!.endedAt - g.answer) / 1000);
      const cdr = await gapUntilSettled(g.a, 300);
      assert.equal(cdr.disposition, 'ANSWERED');
      assert.equal(cdr.endSource, 'last-up');
      assert.ok(
        cdr.billsec <= trueSecs && cdr.billsec >= trueSecs - 5,
        `billed ${cdr.billsec} s for ${trueSecs} s of talk: within one stamp interval below it`,
      );
      assert.match(cdr.note ?? '', /last moment it was confirmed up/);
      assert.ok(
        e.sim.clock.now() - g.answer < 60_000,
        'found during the gap by a REST poll, not at the reconnect',
      );
      await waitFor('the B leg hung up', () => e.sim.ended(g.b)?.hungUpBy === 'app');
      assert.deepEqual(bridgesLeft(e), []);
      g.reopen();
      await waitFor('reconnected', () => e.sim.appConnected('astbill'), 10_000);
      assert.equal((await e.t.store.cdr(g.a))!.billsec, cdr.billsec, 'settled once');
      await quiet(e);
    });

    it("with Asterisk's own CDR in the database, bills exactly to its end", async () => {
      const g = await callThenGap();
      await talkUntil(g.a, g.answer, 22);
      e.sim.hangupCaller(g.a);
      const ended = e.sim.ended(g.a)!;
      // What cdr_adaptive_odbc writes when the channel ends (usegmtime=yes: UTC).
      await e.t.knex('asterisk_cdr').insert({
        uniqueid: g.a,
        linkedid: g.a,
        channel: ended.name,
        dstchannel: '',
        start: toDbTime(new Date(ended.createdAt)),
        answer: toDbTime(new Date(g.answer)),
        end: toDbTime(new Date(ended.endedAt)),
        billsec: Math.floor((ended.endedAt - g.answer) / 1000),
        disposition: 'ANSWERED',
      });
      const cdr = await gapUntilSettled(g.a, 300);
      assert.equal(cdr.endSource, 'asterisk-cdr');
      assert.equal(cdr.billsec, 22);
      g.reopen();
      await waitFor('reconnected', () => e.sim.appConnected('astbill'), 10_000);
      await quiet(e);
    });
  });
});

describe('a call that ended while the daemon was dead (kill -9, restart)', function () {
  this.timeout(60_000);
  after(killAll);
  forEachDatabase((tdb) => {
    const rig = rigOn(tdb);

    it('is billed to its last checkpoint, not to the restart, and flagged', async () => {
      const { t } = rig;
      const sim = rig.sims[0]!;
      const acct = await t.seedAccount({ balance: '50' });
      const journalDir = journalDirFor();
      const d1 = await spawnDaemon({ tdb, sim, node: 'unseen', journalDir });
      const call = sim.placeCall({ exten: '442100', accountcode: acct.name });
      await until('talking', () => talkingOn(sim, call.channelId), 15_000);
      const b = bLegOf(sim, call.channelId);
      await until(
        'a checkpoint of 2 s',
        async () => ((await checkpointsOf(t, [call.channelId])).get(call.channelId) ?? 0) >= 2,
        15_000,
        50,
      );
      await d1.kill9();
      sim.hangupCaller(call.channelId); // nobody listens
      const checkpoint = (await checkpointsOf(t, [call.channelId])).get(call.channelId)!;
      await sleep(3_000); // the daemon stays down a while
      const d2 = await spawnDaemon({ tdb, sim, node: 'unseen', journalDir });
      const cdr = await until(
        'settled by reconciliation',
        async () => {
          const c = await t.store.cdr(call.channelId);
          return c?.status === 'settled' ? c : null;
        },
        20_000,
        100,
      );
      const truth = trueCall(sim, call.channelId, b);
      assert.equal(cdr.billsec, checkpoint, 'billed to the last checkpoint');
      assert.ok(cdr.billsec <= Math.floor(truth.talkMs! / 1000), 'never above the real talk time');
      assert.equal(cdr.endSource, 'last-up');
      assert.match(cdr.note ?? '', /reconciled: end not seen/);
      await until('the B leg gone', () => !sim.channel(b!), 10_000);
      await assertBooks(t, [acct]);
      await d2.stop();
    });
  });
});

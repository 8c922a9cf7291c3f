/**
 * Grant-mode charging end to end (real daemon, ARI simulator, the daemon's timers on the
 * simulator's clock): a call is granted 60 s at a time, each extension is one store transaction
 * and moves TIMEOUT(absolute) on both legs; calls sharing a balance talk until it is gone; a
 * daemon that dies mid-call leaves Asterisk to cut the call at the end of the current grant.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../daemon/src/config.js';
import { startDaemon } from '../../daemon/src/daemon.js';
import { createLogger } from '../../daemon/src/log.js';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import { GRANT_ENV, near, ride } from './grant-ride.js';
import {
  bLegsOf,
  driveUntil,
  quiet,
  settled,
  settledCdr,
  simDaemonClock,
  startE2e,
  talking,
  waitFor,
  type E2e,
} from './harness.js';

describe('grant-mode charging (interim grants)', function () {
  this.timeout(120_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, { env: GRANT_ENV, daemonOnSimClock: true });
      await e.t.seedRate({ prefix: '39', rate: '0.05', connect: '0', initial: 60, increment: 6 });
    });
    after(async () => e?.close());

    it('extends a 25-minute call 25 times by 60 s, moving TIMEOUT(absolute) on both legs each time, and bills it exactly', async () => {
      const acct = await e.t.seedAccount({ balance: '10' });
      const call = e.sim.placeCall({ exten: '39061', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      const answered = e.sim.manualClock.now();
      const b = bLegsOf(e).find(
        (id) => e.sim.channel(id)?.bridgeId === e.sim.channel(call.channelId)?.bridgeId,
      )!;
      assert.equal(
        e.sim.channel(call.channelId)?.absoluteDeadline,
        answered + 60_000,
        'only the first grant',
      );
      assert.equal(
        (await e.t.store.accountByName(acct.name))?.reserved,
        parseMoney('0.05'),
        'reserved: the first grant only',
      );

      const seen = await ride(e, [call.channelId, b], { until: answered + 1_500_000 });
      const expected = Array.from({ length: 26 }, (_, k) => answered + (k + 1) * 60_000);
      assert.equal(seen.get(call.channelId)?.length, 26, 'A: 60 s, 120 s, … 1560 s');
      expected.forEach((x, k) =>
        near(seen.get(call.channelId)![k], x, `A's deadline after grant ${k + 1}`),
      );
      assert.deepEqual(seen.get(b), seen.get(call.channelId), 'B moved with A every time');
      const live = (await e.t.store.reservations()).find((r) => r.uniqueid === call.channelId)!;
      assert.deepEqual(
        [live.maxSeconds, live.maxCost],
        [1560, parseMoney('1.30')],
        'reservation = cost of the granted total',
      );
      const mid = (await e.t.store.grantColumns(call.channelId))!;
      assert.equal(mid.grants, 26, 'grants written');
      // Checkpoints come from the extensions and from the checkpointer (every 5 s): at least the
      // last extension's 1490 s, at most the 1500 s ridden.
      assert.ok(
        mid.checkpointSecs !== null && mid.checkpointSecs >= 1490 && mid.checkpointSecs <= 1500,
        `interim checkpoint ${mid.checkpointSecs} at or after the last extension`,
      );

      e.sim.hangupCaller(call.channelId);
      const cdr = await settledCdr(e, call.channelId);
      assert.deepEqual([cdr.billsec, cdr.cost, cdr.maxSeconds], [1500, parseMoney('1.25'), 1560]);
      const after = (await e.t.store.accountByName(acct.name))!;
      assert.deepEqual([after.balance, after.reserved], [parseMoney('8.75'), 0n]);
      await quiet(e);
    });

    it('gives the last affordable boundary as the final grant and releases the call at its end', async () => {
      // 0.09 pays 108 s: 60 s, then 48 s more (final), cut by Asterisk at 108 s.
      const acct = await e.t.seedAccount({ balance: '0.09' });
      const call = e.sim.placeCall({ exten: '39062', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      const answered = e.sim.manualClock.now();
      const seen = await ride(e, [call.channelId]);
      assert.equal(seen.get(call.channelId)?.length, 2);
      near(seen.get(call.channelId)![1], answered + 108_000, 'the final grant');
      near(
        e.sim.ended(call.channelId)?.endedAt,
        answered + 108_000,
        'cut at the end of the final grant',
      );
      const cdr = await settledCdr(e, call.channelId);
      assert.equal(cdr.billsec, 108, 'every granted second talked, none cut short');
      assert.equal(cdr.cost, parseMoney('0.09'));
      assert.equal((await e.t.store.accountByName(acct.name))?.balance, 0n);
      await quiet(e);
    });

    it('lets two concurrent calls share one balance until it is gone: 10 minutes of credit, 5 each, no more charged', async () => {
      const acct = await e.t.seedAccount({ balance: '0.50' });
      const one = e.sim.placeCall({ exten: '39063', accountcode: acct.name });
      await waitFor('call 1 talking', () => talking(e, one.channelId));
      const t1 = e.sim.manualClock.now();
      e.advance(30_000);
      const two = e.sim.placeCall({ exten: '39064', accountcode: acct.name });
      await waitFor('call 2 talking', () => talking(e, two.channelId));
      const t2 = e.sim.manualClock.now();
      const seen = await ride(e, [one.channelId, two.channelId]);
      near(seen.get(one.channelId)!.at(-1), t1 + 300_000, 'call 1: 5 minutes granted in all');
      near(seen.get(two.channelId)!.at(-1), t2 + 300_000, 'call 2: 5 minutes granted in all');
      near(
        e.sim.ended(one.channelId)?.endedAt,
        t1 + 300_000,
        'call 1 released at the end of its final grant',
      );
      near(
        e.sim.ended(two.channelId)?.endedAt,
        t2 + 300_000,
        'call 2 released at the end of its final grant',
      );
      const cdrs = [await settledCdr(e, one.channelId), await settledCdr(e, two.channelId)];
      assert.deepEqual(
        cdrs.map((c) => c.billsec),
        [300, 300],
        'each talked its 300 s granted',
      );
      assert.deepEqual(
        cdrs.map((c) => c.maxSeconds),
        [300, 300],
      );
      assert.equal(
        cdrs[0]!.cost + cdrs[1]!.cost,
        parseMoney('0.50'),
        'charged the whole balance and not a unit more',
      );
      const after = (await e.t.store.accountByName(acct.name))!;
      assert.deepEqual([after.balance, after.reserved], [0n, 0n]);
      await quiet(e);
    });

    it('ends a call at its current grant when the store does not answer the extension in time (never free talk)', async () => {
      const acct = await e.t.seedAccount({ balance: '10' });
      const call = e.sim.placeCall({ exten: '39065', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      const answered = e.sim.manualClock.now();
      // The extension asks at 50 s; 3 s pass in one step, so its 2.5 s deadline (a timer on the
      // same clock, set when it asks) fires before the store can answer.
      e.advance(50_000 - 1);
      await settled(e);
      e.advance(3_001);
      await settled(e);
      await driveUntil(e, 'the call to end', () => e.sim.ended(call.channelId), { stepMs: 500 });
      assert.equal(
        e.sim.ended(call.channelId)?.endedAt,
        answered + 60_000,
        'Asterisk cut it at the first grant',
      );
      const cdr = await settledCdr(e, call.channelId);
      assert.equal(cdr.billsec, 60);
      assert.equal(cdr.cost, parseMoney('0.05'));
      await quiet(e);
    });
  });

  forEachDatabase((tdb) => {
    it('cuts the call at the end of the current grant when the daemon dies mid-call, and settles it after a restart', async () => {
      const t = await tdb.open();
      const e = await startE2e(tdb, {
        env: { ...GRANT_ENV, ASTBILL_STALE_MARGIN: '5' },
        daemonOnSimClock: true,
        deps: { store: t.store },
        startTime: Date.parse('2026-12-01T10:00:00Z'),
      });
      try {
        await e.t.seedRate({ prefix: '39', rate: '0.05', connect: '0', initial: 60, increment: 6 });
        const acct = await e.t.seedAccount({ balance: '10' });
        const call = e.sim.placeCall({ exten: '39066', accountcode: acct.name });
        await waitFor('talking', () => talking(e, call.channelId));
        const answered = e.sim.manualClock.now();
        await waitFor('answer recorded', async () => (await e.t.store.cdr(call.channelId))?.answer);
        await ride(e, [call.channelId], { until: answered + 75_000 });
        near(
          e.sim.channel(call.channelId)?.absoluteDeadline,
          answered + 120_000,
          'one extension done',
        );
        const deadline = e.sim.channel(call.channelId)!.absoluteDeadline!;

        // The daemon dies: its timers stop and its ARI connection goes (SIGKILL-like: nothing settled).
        e.daemonClock!.stop();
        await e.daemon.ari.close();
        await waitFor('Asterisk sees the app go', () => !e.sim.appConnected('astbill'));
        e.advance(deadline - e.sim.manualClock.now() - 1);
        assert.ok(e.sim.channel(call.channelId), 'the call goes on without the daemon');
        e.advance(1);
        const ended = e.sim.ended(call.channelId)!;
        assert.deepEqual(
          [ended.endedAt, ended.hungUpBy],
          [deadline, 'timeout'],
          'Asterisk cut it at the end of the current grant',
        );
        assert.equal((await e.t.store.cdr(call.channelId))?.status, 'open');

        // A new daemon (same node) finds the reservation stale with no channel left and settles it.
        const clock = simDaemonClock(e.sim);
        const config = loadConfig({
          ASTBILL_JOURNAL_DIR: mkdtempSync(join(tmpdir(), 'astbill-journal-')),
          ASTBILL_DB: tdb.url,
          ARI_URL: e.sim.url,
          ARI_USERNAME: e.sim.username,
          ARI_PASSWORD: e.sim.password,
          ASTBILL_DIAL: 'Local/{number}@pstn-sim',
          ASTBILL_NODE: 'e2e',
          ASTBILL_ANNOUNCE: 'false',
          ASTBILL_STALE_MARGIN: '5',
          ...GRANT_ENV,
        });
        const t2 = await tdb.open();
        const again = await startDaemon(
          config,
          {
            logger: createLogger('error', { silent: true }),
            housekeeping: false,
            clock,
            store: t2.store,
            ari: { pingIntervalMs: 0, backoffBaseMs: 50, backoffMaxMs: 200 },
          },
          { waitForAsteriskMs: 5000 },
        );
        try {
          e.advance(10_000);
          // Proven talk: the last checkpoint written while the daemon lived (it rode 75 s).
          const proven = (await e.t.store.grantColumns(call.channelId))!.checkpointSecs!;
          assert.ok(proven >= 50 && proven <= 75, `the checkpoint says ${proven} s were talked`);
          const report = await again.housekeeping.runOnce(clock.now());
          assert.deepEqual(report.settled, [call.channelId]);
          const cdr = (await e.t.store.cdr(call.channelId))!;
          // Its end was not seen: billed to the last moment it was confirmed up, never the
          // grant end nobody can prove (60 s, then 6 s blocks at 0.05/min).
          const blocks = 60 + Math.ceil(Math.max(0, proven - 60) / 6) * 6;
          const cost = (parseMoney('0.05') * BigInt(blocks)) / 60n;
          assert.deepEqual(
            [cdr.status, cdr.billsec, cdr.cost, cdr.endSource],
            ['settled', proven, cost, 'last-up'],
            'billed to the last confirmed moment',
          );
          const after = (await e.t.store.accountByName(acct.name))!;
          assert.deepEqual([after.balance, after.reserved], [parseMoney('10') - cost, 0n]);
        } finally {
          await again.close({ drainSeconds: 0 });
        }
      } finally {
        await e.sim.close();
        await e.t.close();
      }
    });
  });
});

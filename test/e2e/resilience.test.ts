/**
 * What a real Asterisk and a real network do to the daemon: events ari-client has no model for,
 * a websocket that drops mid-call (Asterisk discards the events meanwhile and sends none on
 * reconnect), reservations the daemon lost track of, and a shutdown with calls up.
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { saveCheckpoints } from '../../daemon/src/store/checkpoints.js';
import { forEachDatabase } from '../support/db.js';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../daemon/src/config.js';
import { startDaemon } from '../../daemon/src/daemon.js';
import { createLogger } from '../../daemon/src/log.js';
import { AriSimulator } from '../../daemon/src/sim/index.js';
import {
  SIM_START,
  bridgesLeft,
  quiet,
  settledCdr,
  startE2e,
  talking,
  waitFor,
  type E2e,
} from './harness.js';

describe('the daemon under trouble', function () {
  this.timeout(30_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      // The daemon on Asterisk's clock, as in production (both follow NTP).
      e = await startE2e(tdb, {
        rules: [{ prefix: '', action: 'answer' }],
        daemonOnSimClock: true,
      });
      await e.t.seedRate({ prefix: '44', rate: '0.05', connect: '0', initial: 1, increment: 1 });
    });
    after(async () => e?.close());

    it('survives an event type ari-client has no model for, and one without its channel, and bills the next call', async () => {
      e.sim.engine.publish('ChannelFrobnicated', { channel: { id: 'x' } }, ['astbill']);
      e.sim.engine.publish('StasisStart', { args: [] }, ['astbill']);
      e.sim.engine.publish('ChannelDtmfReceived', { digit: '5' }, ['astbill']);
      const acct = await e.t.seedAccount({ balance: '5' });
      const call = e.sim.placeCall({ exten: '4411', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      e.advance(7_000);
      e.sim.hangupCaller(call.channelId);
      const cdr = await settledCdr(e, call.channelId);
      assert.equal(cdr.billsec, 7);
      await quiet(e);
    });

    it('after a websocket drop, reconnects and ends a call whose far end hung up during the gap (events lost), billed only to what was confirmed', async () => {
      const acct = await e.t.seedAccount({ balance: '5' });
      const call = e.sim.placeCall({ exten: '4412', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      const [bId] = e.sim.bridges()[0]!.channels.filter((id) => id !== call.channelId);
      e.sim.dropWebsockets('astbill');
      await waitFor('the app to be disconnected', () => !e.sim.appConnected('astbill'));
      e.advance(20_000);
      e.sim.hangupCaller(bId!); // the far end goes away while nobody listens
      assert.ok(
        e.sim.sentEvents('astbill').some((s) => !s.delivered),
        'Asterisk discarded events meanwhile',
      );
      await waitFor('the daemon to reconnect', () => e.sim.appConnected('astbill'), 10_000);
      const cdr = await settledCdr(e, call.channelId, 10_000);
      assert.equal(cdr.disposition, 'ANSWERED');
      // Nothing confirmed the call up after the drop (no poll ran on this clock): the end
      // billed is the drop, not the moment the daemon looked again.
      assert.equal(cdr.billsec, 0, 'nobody can prove a second of talk after the drop');
      assert.equal(cdr.endSource, 'last-up');
      assert.equal(e.sim.ended(call.channelId)?.hungUpBy, 'app');
      await quiet(e);
      assert.deepEqual(bridgesLeft(e), []);
    });

    it('keeps taking calls after reconnecting', async () => {
      e.sim.dropWebsockets('astbill');
      await waitFor('the app to be disconnected', () => !e.sim.appConnected('astbill'));
      await waitFor('the daemon to reconnect', () => e.sim.appConnected('astbill'), 10_000);
      const acct = await e.t.seedAccount({ balance: '5' });
      const call = e.sim.placeCall({ exten: '4413', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      e.sim.hangupCaller(call.channelId);
      await settledCdr(e, call.channelId);
      await quiet(e);
    });

    it('deletes empty bridges an earlier run left behind when it (re)connects, and only those', async () => {
      const post = (path: string) =>
        fetch(`${e.sim.url}${path}`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${e.sim.username}:${e.sim.password}`).toString('base64')}`,
          },
        });
      assert.equal(
        (await post('/ari/bridges?type=mixing&bridgeId=astbill-e2e-oldrun-7-bridge')).status,
        200,
      );
      assert.equal(
        (await post('/ari/bridges?type=mixing&bridgeId=someone-elses-bridge')).status,
        200,
      );
      e.sim.dropWebsockets('astbill');
      await waitFor(
        'the leftover to be deleted',
        () => !e.sim.bridges().some((b) => b.id === 'astbill-e2e-oldrun-7-bridge'),
        10_000,
      );
      assert.ok(e.sim.bridges().some((b) => b.id === 'someone-elses-bridge'));
      await fetch(`${e.sim.url}/ari/bridges/someone-elses-bridge`, {
        method: 'DELETE',
        headers: {
          authorization: `Basic ${Buffer.from(`${e.sim.username}:${e.sim.password}`).toString('base64')}`,
        },
      });
      await waitFor('reconnected', () => e.sim.appConnected('astbill'), 10_000);
    });

    it('housekeeping settles a reservation whose channels are gone to its last checkpoint (the end nobody saw), and leaves live ones alone', async () => {
      const acct = await e.t.seedAccount({ balance: '5' });
      const rate = (await e.t.store.rateFor('default', '4414'))!;
      const base = {
        accountId: acct.id,
        src: '1',
        dst: '4414',
        rate,
        node: 'e2e',
        defaultMaxSeconds: 600,
      };
      const lost = await e.t.store.authorise({
        ...base,
        uniqueid: 'lost.1',
        start: new Date(SIM_START),
      });
      const neverAnswered = await e.t.store.authorise({
        ...base,
        uniqueid: 'lost.2',
        start: new Date(SIM_START),
      });
      assert.ok(lost.ok && neverAnswered.ok);
      await e.t.store.markAnswered('lost.1', new Date(SIM_START + 1_000));
      // Last confirmed up 42 s after the answer (a checkpoint tick).
      await saveCheckpoints(e.t.knex, [{ uniqueid: 'lost.1', seconds: 42 }], new Date(SIM_START));
      // A live call of this daemon, younger than its grant: not touched.
      const live = e.sim.placeCall({ exten: '4415', accountcode: acct.name });
      await waitFor('talking', () => talking(e, live.channelId));

      const report = await e.daemon.housekeeping.runOnce(new Date(SIM_START + 3 * 3_600_000));
      assert.deepEqual(report.settled.sort(), ['lost.1', 'lost.2']);
      const c1 = (await e.t.store.cdr('lost.1'))!;
      assert.equal(c1.status, 'settled');
      assert.equal(c1.disposition, 'ANSWERED');
      assert.equal(c1.billsec, 42, 'end unknown: billed to its last checkpoint');
      assert.equal(c1.endSource, 'last-up');
      assert.equal(c1.cost, parseMoney('0.035'));
      assert.match(c1.note ?? '', /housekeeping/);
      const c2 = (await e.t.store.cdr('lost.2'))!;
      assert.equal(c2.cost, 0n);
      assert.equal(
        report.killed.length,
        1,
        'the live call outlived its grant on that clock: ended by the kill path',
      );
      await settledCdr(e, live.channelId);
      await quiet(e);
    });
  });

  forEachDatabase((tdb) => {
    it('keeps trying while Asterisk is down at start-up, and bills once it is up', async function () {
      this.timeout(20_000);
      // Until the simulator starts, the port belongs to a server that counts the daemon's
      // connection attempts and drops each one: Asterisk is down.
      let attempts = 0;
      const down = createServer((socket) => {
        attempts++;
        socket.destroy();
      });
      const port = await new Promise<number>((resolve) =>
        down.listen(0, '127.0.0.1', () => resolve((down.address() as AddressInfo).port)),
      );
      const t = await tdb.open();
      const config = loadConfig({
        ASTBILL_DB: tdb.url,
        ARI_URL: `http://127.0.0.1:${port}`,
        ASTBILL_DIAL: 'Local/{number}@pstn-sim',
        ASTBILL_ANNOUNCE: 'false',
        ASTBILL_NODE: 'late',
        ASTBILL_JOURNAL_DIR: mkdtempSync(join(tmpdir(), 'astbill-journal-')),
      });
      const daemon = await startDaemon(config, {
        logger: createLogger('error', { silent: true }),
        housekeeping: false,
        ari: {
          connectTimeoutMs: 1000,
          requestTimeoutMs: 1000,
          backoffBaseMs: 50,
          backoffMaxMs: 200,
          pingIntervalMs: 0,
        },
      });
      let sim: AriSimulator | undefined;
      try {
        await waitFor('three failed connection attempts', () => attempts >= 3, 10_000);
        assert.equal(daemon.ari.connected, false);
        await new Promise<void>((r) => down.close(() => r()));
        sim = await AriSimulator.start({
          port,
          clock: 'manual',
          startTime: SIM_START + 14 * 86_400_000,
          rules: [{ prefix: '', action: 'answer' }],
        });
        const s = sim;
        await waitFor('the daemon to connect', () => s.appConnected('astbill'), 10_000);
        await t.seedRate({ prefix: '44', rate: '0.05', connect: '0', initial: 1, increment: 1 });
        const acct = await t.seedAccount({ balance: '5' });
        const call = s.placeCall({ exten: '4417', accountcode: acct.name });
        await waitFor('bridged', () => s.bridges().some((b) => b.channels.length === 2));
        s.manualClock.advance(3_000);
        s.hangupCaller(call.channelId);
        await waitFor(
          'settled',
          async () => (await t.store.cdr(call.channelId))?.status === 'settled',
        );
        assert.equal((await t.store.cdr(call.channelId))?.billsec, 3);
      } finally {
        if (down.listening) down.close();
        await daemon.close({ drainSeconds: 0 });
        await sim?.close();
        await t.close();
      }
    });

    it('drains on close: ends the calls still up through the kill path and settles them', async function () {
      this.timeout(20_000);
      const e = await startE2e(tdb, {
        rules: [{ prefix: '', action: 'answer' }],
        startTime: SIM_START + 7 * 86_400_000,
      });
      try {
        await e.t.seedRate({ prefix: '44', rate: '0.05', connect: '0', initial: 1, increment: 1 });
        const acct = await e.t.seedAccount({ balance: '5' });
        const call = e.sim.placeCall({ exten: '4416', accountcode: acct.name });
        await waitFor('talking', () => talking(e, call.channelId));
        e.advance(42_000);
        await e.daemon.close({ drainSeconds: 0 });
        const cdr = await settledCdr(e, call.channelId);
        assert.equal(cdr.billsec, 42);
        assert.equal(e.sim.ended(call.channelId)?.hungUpBy, 'app');
        assert.equal((await e.t.store.reservations()).length, 0);
      } finally {
        await e.close();
      }
    });
  });
});

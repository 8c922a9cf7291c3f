/**
 * The other leg of a call must go even when Asterisk fails the hang-up (its HTTP server at its
 * session limit closes connections unanswered; an idle keep-alive socket it closed): the
 * hang-up is retried with backoff until Asterisk confirms it, idempotent requests are retried
 * once on a socket Asterisk closed, and housekeeping sweeps the channels and bridges of ours no
 * live call owns. Real daemon and ari-client against the simulator on its manual clock.
 */
import assert from 'node:assert/strict';
import { AriRestClient } from '../../daemon/src/ari/rest-client.js';
import { forEachDatabase } from '../support/db.js';
import {
  bridgesLeft,
  driveUntil,
  quiet,
  settledCdr,
  startE2e,
  talking,
  waitFor,
  type E2e,
} from '../e2e/harness.js';

describe('cleanup that Asterisk fails', function () {
  this.timeout(30_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, { daemonOnSimClock: true });
      await e.t.seedRate({ prefix: '44', rate: '0.60', connect: '0', initial: 1, increment: 1 });
    });
    after(async () => e?.close());

    const rest = (method: string, path: string) =>
      fetch(`${e.sim.url}/ari${path}`, {
        method,
        headers: {
          authorization: `Basic ${Buffer.from(`${e.sim.username}:${e.sim.password}`).toString('base64')}`,
        },
      });

    it('hangs the B leg up and deletes the bridge once Asterisk answers again, after the call was settled', async () => {
      const acct = await e.t.seedAccount({ balance: '5' });
      const call = e.sim.placeCall({ exten: '4431', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      const bridge = e.sim.bridges().find((b) => b.channels.includes(call.channelId))!;
      const b = bridge.channels.find((id) => id !== call.channelId)!;
      // Asterisk at its HTTP session limit: the hang-up's connections are closed unanswered.
      e.sim.faults.add({ method: 'DELETE', path: `/channels/${b}`, drop: true, times: 4 });
      e.sim.faults.add({ method: 'DELETE', path: `/bridges/${bridge.id}`, status: 500, times: 2 });
      e.advance(10_000);
      e.sim.hangupCaller(call.channelId);
      const cdr = await settledCdr(e, call.channelId);
      assert.equal(cdr.billsec, 10, 'settled on time, from Asterisk’s timestamps');
      assert.ok(e.sim.channel(b), 'the B leg is still up after the failed hang-up');
      await driveUntil(e, 'the B leg hung up', () => e.sim.ended(b)?.hungUpBy === 'app', {
        stepMs: 500,
        maxSimMs: 60_000,
      });
      await waitFor('no bridge left but the idle pool', () => bridgesLeft(e).length === 0);
      const drops = e.sim.faults.hits.filter((h) => h.path === `/channels/${b}` && h.drop);
      assert.equal(drops.length, 4, 'every closed connection was tried again');
      await quiet(e);
    });

    it('retries a read once on a keep-alive socket Asterisk closed, but never an originate', async () => {
      const client = new AriRestClient({ username: e.sim.username, password: e.sim.password });
      client.setBase(`${e.sim.url}/ari`);
      try {
        await client.request('list channels', 'GET', '/channels', undefined, 2_000); // opens the socket
        e.sim.faults.add({ method: 'GET', path: '/channels', drop: true, times: 1 });
        assert.ok(
          Array.isArray(
            await client.request('list channels', 'GET', '/channels', undefined, 2_000),
          ),
        );
        e.sim.faults.add({ method: 'POST', path: '/channels', drop: true, times: 1 });
        await assert.rejects(
          client.request(
            'originate',
            'POST',
            '/channels',
            { endpoint: 'Local/4432@pstn-sim', app: 'astbill', channelId: 'not-ours-1' },
            2_000,
          ),
          (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET',
        );
        assert.equal(e.sim.channel('not-ours-1'), undefined, 'the originate was not sent again');
      } finally {
        client.close();
      }
    });

    it('sweeps channels and bridges of ours that no live call owns, at the second sighting, and leaves live calls alone', async () => {
      const acct = await e.t.seedAccount({ balance: '5' });
      const live = e.sim.placeCall({ exten: '4433', accountcode: acct.name });
      await waitFor('talking', () => talking(e, live.channelId));
      const orphanBridge = e.daemon.ids.bridge();
      const orphanLeg = e.daemon.ids.leg().channelId;
      assert.equal(
        (await rest('POST', `/bridges?type=mixing&bridgeId=${orphanBridge}`)).status,
        200,
      );
      assert.equal(
        (
          await rest(
            'POST',
            `/channels?endpoint=Local/4434@pstn-sim&extension=s&context=default&channelId=${orphanLeg}`,
          )
        ).status,
        200,
      );
      await waitFor('the orphan leg up', () => e.sim.channel(orphanLeg));
      const first = await e.daemon.housekeeping.runOnce();
      assert.deepEqual(first.orphans, { channels: [], bridges: [] }, 'one sighting is not enough');
      const second = await e.daemon.housekeeping.runOnce();
      assert.deepEqual(second.orphans, { channels: [orphanLeg], bridges: [orphanBridge] });
      await waitFor('the orphans gone', () => !e.sim.channel(orphanLeg));
      assert.ok(!e.sim.bridges().some((b) => b.id === orphanBridge));
      assert.ok(talking(e, live.channelId), 'the live call is untouched');
      e.sim.hangupCaller(live.channelId);
      await settledCdr(e, live.channelId);
      await quiet(e);
    });
  });
});

/**
 * Bridges reused from call to call (session/bridge-pool.ts): the next call is put in the bridge
 * the last one left, so an answered call costs 7 ARI requests instead of 9, with TIMEOUT(absolute)
 * still on both legs. A bridge that went away behind the daemon's back is replaced, one whose
 * addChannel answered "Channel not found" deleted and replaced; at shutdown the idle ones are
 * deleted. Bridges made once connected take the first calls without a POST /bridges.
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import { bridgesLeft, quiet, settledCdr, startE2e, talking, waitFor, type E2e } from './harness.js';

describe('bridges reused from call to call', function () {
  this.timeout(20_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        rules: [{ prefix: '44', action: 'answer', hangupAfterMs: 3_000 }],
      });
      await e.t.seedRate({ prefix: '44', rate: '0.60', connect: '0', initial: 1, increment: 1 });
    });
    after(async () => e?.close());

    /** One call of 3 s, from placing it to nothing left of it in the daemon. */
    async function oneCall(account: string): Promise<{ a: string; bridge: string; b: string }> {
      const call = e.sim.placeCall({ exten: '4420000001', accountcode: account });
      await waitFor('talking', () => talking(e, call.channelId));
      const a = e.sim.channel(call.channelId)!;
      const bridge = e.sim.bridges().find((x) => x.id === a.bridgeId)!;
      const b = bridge.channels.find((id) => id !== call.channelId)!;
      const start = e.sim.manualClock.now();
      assert.equal(a.absoluteDeadline, start + 600_000, 'TIMEOUT(absolute) on A: the grant');
      assert.equal(e.sim.channel(b)?.absoluteDeadline, start + 600_000, 'and on B');
      e.advance(3_000);
      const cdr = await settledCdr(e, call.channelId);
      assert.equal(cdr.billsec, 3);
      await quiet(e);
      return { a: call.channelId, bridge: bridge.id, b };
    }

    it('replaces a kept bridge that was deleted behind its back, and the call goes on', async () => {
      const acct = await e.t.seedAccount({ balance: '60', maxSeconds: 600 });
      const first = await oneCall(acct.name);
      const res = await fetch(`${e.sim.url}/ari/bridges/${first.bridge}`, {
        method: 'DELETE',
        headers: {
          authorization: `Basic ${Buffer.from(`${e.sim.username}:${e.sim.password}`).toString('base64')}`,
        },
      });
      assert.equal(res.status, 204);
      const second = await oneCall(acct.name);
      assert.notEqual(second.bridge, first.bridge);
      assert.deepEqual(bridgesLeft(e), []);
      assert.equal(e.daemon.bridges.idleCount, 1);
    });

    it('deletes a kept bridge whose addChannel answered "Channel not found", leaving none behind', async () => {
      const acct = await e.t.seedAccount({ balance: '60', maxSeconds: 600 });
      const first = await oneCall(acct.name);
      assert.ok(e.daemon.bridges.holds(first.bridge));
      // Asterisk says a channel is gone, not the bridge: the kept bridge is still there.
      e.sim.faults.add({
        method: 'POST',
        path: `/bridges/${first.bridge}/addChannel`,
        status: 400,
        body: { message: 'Channel not found' },
        times: 1,
      });
      const second = await oneCall(acct.name);
      assert.notEqual(second.bridge, first.bridge, 'the call went on in a new bridge');
      assert.deepEqual(bridgesLeft(e), [], 'no bridge left on Asterisk that the pool forgot');
      assert.deepEqual(
        e.sim.bridges().map((b) => b.id),
        [second.bridge],
        'the first bridge deleted, the new one kept',
      );
      e.sim.faults.hits.splice(0); // the next test counts requests
    });

    it('puts the next call in the bridge the last one left: 7 ARI requests per answered call, none for bridges', async () => {
      const acct = await e.t.seedAccount({ balance: '60', maxSeconds: 600 });
      const first = await oneCall(acct.name);
      assert.deepEqual(
        e.sim.bridges().map((b) => [b.id, b.channels]),
        [[first.bridge, []]],
        'the bridge outlives the call, empty',
      );
      assert.deepEqual(bridgesLeft(e), [], 'kept by the daemon for the next call');
      e.sim.faults.add({ path: /./, delayMs: 0 }); // only counts the requests
      const second = await oneCall(acct.name);
      assert.equal(second.bridge, first.bridge, 'the second call talked in the same bridge');
      const sent = e.sim.faults.hits.filter((h) => h.method !== 'GET');
      assert.deepEqual(
        sent
          .map((h) => `${h.method} ${h.path.replace(/\/channels\/[^/]+/, '/channels/:id')}`)
          .sort(),
        [
          `DELETE /channels/:id`,
          `POST /bridges/${first.bridge}/addChannel`,
          'POST /channels',
          'POST /channels/:id/answer',
          'POST /channels/:id/ring',
          'POST /channels/:id/variable',
          'POST /channels/:id/variable',
        ],
      );
      assert.equal(e.sim.ended(second.b)?.hungUpBy, 'far-end');
      assert.equal(e.sim.ended(second.a)?.hungUpBy, 'app', 'nothing left up');
      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.equal(after.reserved, 0n);
      await e.daemon.close();
      assert.deepEqual(e.sim.bridges(), [], 'deleted at shutdown');
    });
  });

  describe('bridges made once connected', () => {
    forEachDatabase((tdb) => {
      let e: E2e;
      before(async () => {
        e = await startE2e(tdb, {
          rules: [{ prefix: '44', action: 'answer', hangupAfterMs: 3_000 }],
          deps: { bridgeWarm: 3 },
        });
        await e.t.seedRate({ prefix: '44', rate: '0.60', connect: '0', initial: 1, increment: 1 });
      });
      after(async () => e?.close());

      it('makes idle bridges ahead of calls: the first call creates none, and shutdown deletes them', async () => {
        await waitFor('three idle bridges', () => e.daemon.bridges.idleCount === 3);
        const made = e.sim.bridges().map((b) => b.id);
        assert.equal(made.length, 3);
        assert.deepEqual(bridgesLeft(e), [], 'all kept by the daemon');
        const acct = await e.t.seedAccount({ balance: '60', maxSeconds: 600 });
        e.sim.faults.add({ path: /./, delayMs: 0 }); // only counts the requests
        const call = e.sim.placeCall({ exten: '4420000001', accountcode: acct.name });
        await waitFor('talking', () => talking(e, call.channelId));
        const bridge = e.sim.channel(call.channelId)!.bridgeId;
        assert.ok(bridge && made.includes(bridge), 'the call talks in a bridge made ahead');
        e.advance(3_000);
        assert.equal((await settledCdr(e, call.channelId)).billsec, 3);
        await quiet(e);
        const sent = e.sim.faults.hits.filter((h) => h.method !== 'GET');
        assert.equal(sent.length, 7, 'seven ARI requests for the answered call');
        assert.ok(!sent.some((h) => h.method === 'POST' && h.path === '/bridges'));
        const after = (await e.t.store.accountDetails(acct.name))!;
        assert.equal(after.balance, parseMoney('59.97'), '3 s at 0.60/min');
        assert.equal(after.reserved, 0n);
        assert.equal(e.daemon.bridges.idleCount, 3, 'the bridge went back to the pool');
        await e.daemon.close();
        assert.deepEqual(e.sim.bridges(), [], 'deleted at shutdown');
      });
    });
  });
});

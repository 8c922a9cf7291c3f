import assert from 'node:assert/strict';
import type { Rate } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import { NODE, startHarness, type Harness } from './harness.js';
import { liveCall } from './seed-calls.js';

describe('API /calls', () => {
  forEachDatabase((tdb) => {
    let h: Harness;
    let rate: Rate;
    let talking: string;
    let elsewhere: string;

    before(async () => {
      h = await startHarness(tdb);
      rate = await h.t.seedRate({
        tariff: 'default',
        prefix: '44',
        rate: '0.05',
        connect: '0.10',
        initial: 60,
        increment: 6,
      });
      const alice = await h.t.seedAccount({ name: 'alice', balance: '1' });
      const bob = await h.t.seedAccount({ name: 'bob', balance: '5' });
      const start = new Date('2030-05-01T10:00:00.000Z');
      talking = (
        await liveCall(h.t.store, {
          accountId: alice.id,
          rate,
          dst: '447700900001',
          start,
          answer: new Date('2030-05-01T10:00:07.000Z'),
        })
      ).uniqueid;
      elsewhere = (
        await liveCall(h.t.store, {
          accountId: bob.id,
          rate,
          dst: '447700900002',
          start: new Date('2030-05-01T10:00:01.000Z'),
          node: 'node2',
        })
      ).uniqueid;
      h.fake.live = [
        {
          id: talking,
          state: 'talking',
          account: 'alice',
          destination: '447700900001',
          callerNumber: '1001',
          answeredAt: new Date('2030-05-01T10:00:07.000Z'),
          grantedSeconds: 1080,
        },
        {
          id: 'chan-123',
          state: 'identifying',
          account: null,
          destination: null,
          callerNumber: '1002',
          answeredAt: null,
          grantedSeconds: null,
        },
      ];
      h.fake.knownCalls = new Set([talking, 'chan-123']);
    });
    after(async () => h.close());

    it('lists every reservation of every node plus this node’s calls not yet authorised', async () => {
      const r = await h.req('GET', '/calls');
      assert.equal(r.status, 200);
      assert.deepEqual(r.json.calls, [
        {
          id: talking,
          account: 'alice',
          node: NODE,
          state: 'talking',
          destination: '447700900001',
          callerNumber: '1001',
          started: '2030-05-01T10:00:00.000Z',
          answered: '2030-05-01T10:00:07.000Z',
          maxSeconds: 1080,
          maxCost: '1.00',
        },
        {
          id: elsewhere,
          account: 'bob',
          node: 'node2',
          state: 'authorised',
          destination: null,
          callerNumber: null,
          started: '2030-05-01T10:00:01.000Z',
          answered: null,
          maxSeconds: 3600,
          maxCost: '3.10',
        },
        {
          id: 'chan-123',
          account: null,
          node: NODE,
          state: 'identifying',
          destination: null,
          callerNumber: '1002',
          started: null,
          answered: null,
          maxSeconds: null,
          maxCost: null,
        },
      ]);
    });

    it('filters by node', async () => {
      const r = await h.req('GET', '/calls?node=node2');
      assert.deepEqual(
        r.json.calls.map((c: { id: string }) => c.id),
        [elsewhere],
      );
      const bad = await h.req('GET', '/calls?node=bad%20node');
      assert.equal(bad.status, 400);
    });

    it('hangs a call up through the daemon’s kill path (202)', async () => {
      const r = await h.req('POST', `/calls/${encodeURIComponent(talking)}/hangup`);
      assert.equal(r.status, 202, r.text);
      assert.deepEqual(r.json, { id: talking, hangup: 'requested' });
      assert.deepEqual(h.fake.hungUp, [talking]);
    });

    it('hangs up a call that is not authorised yet', async () => {
      const r = await h.req('POST', '/calls/chan-123/hangup');
      assert.equal(r.status, 202);
    });

    it('answers 409 naming the node for another node’s call, without touching it', async () => {
      const r = await h.req('POST', `/calls/${encodeURIComponent(elsewhere)}/hangup`);
      assert.equal(r.status, 409);
      assert.match(r.json.error, /handled by node 'node2'/);
      assert.ok(!h.fake.hungUp.includes(elsewhere));
    });

    it('answers 404 for a call this node does not have', async () => {
      const r = await h.req('POST', '/calls/nope/hangup');
      assert.equal(r.status, 404);
      assert.equal(r.json.error, "no call 'nope' in progress on node 'node1'");
    });

    it('answers 400 for an id with characters no call id has, 405 for GET', async () => {
      assert.equal((await h.req('POST', '/calls/a%20b/hangup')).status, 400);
      assert.equal((await h.req('GET', `/calls/${talking}/hangup`)).status, 405);
    });
  });
});

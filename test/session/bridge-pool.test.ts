/**
 * BridgePool's safety rule: a bridge takes a new call only once every channel of the last one
 * was seen leaving it (ChannelLeftBridge), whatever order the events and the release come in;
 * after a websocket gap or a failed addChannel nothing it cannot vouch for is reused.
 */
import assert from 'node:assert/strict';
import { CallControlError } from '../../daemon/src/session/call-control-port.js';
import { BridgePool } from '../../daemon/src/session/bridge-pool.js';

function rig(maxIdle = 10) {
  const calls: string[] = [];
  let n = 0;
  const pool = new BridgePool({
    maxIdle,
    ids: { bridge: () => `br-${++n}` },
    control: {
      createBridge: async (id) => void calls.push(`create ${id}`),
      addToBridge: async (id, chans) => void calls.push(`add ${id} ${chans.join(',')}`),
      destroyBridge: async (id) => void calls.push(`destroy ${id}`),
    },
  });
  const left = (channelId: string, bridgeId: string): void =>
    pool.observe({ kind: 'left-bridge', at: new Date(0), channelId, bridgeId });
  const connect = async (chans: string[]): Promise<string> => {
    let id = '';
    assert.equal(
      await pool.connect(
        chans,
        () => true,
        (b) => void (id = b),
      ),
      true,
    );
    return id;
  };
  return { pool, calls, left, connect };
}

describe('BridgePool', () => {
  it('reuses a bridge only after both channels left it, released before or after', async () => {
    const r = rig();
    const first = await r.connect(['a1', 'b1']);
    r.left('b1', first);
    r.left('a1', 'some-other-bridge');
    await r.pool.release(first);
    assert.equal(r.pool.idleCount, 0, 'a1 is still in it');
    assert.equal((await r.connect(['a2', 'b2'])) === first, false, 'a new bridge meanwhile');
    r.left('a1', first);
    assert.equal(r.pool.idleCount, 1);
    assert.equal(await r.connect(['a3', 'b3']), first, 'now the first one is taken again');
    assert.deepEqual(r.calls, [
      'create br-1',
      'add br-1 a1,b1',
      'create br-2',
      'add br-2 a2,b2',
      'add br-1 a3,b3',
    ]);
  });

  it('after a websocket gap deletes the bridges of calls over and of calls still up at their release; idle ones stay', async () => {
    const r = rig();
    const idle = await r.connect(['a1', 'b1']);
    const over = await r.connect(['a2', 'b2']);
    const up = await r.connect(['a3', 'b3']);
    await r.pool.release(idle);
    r.left('a1', idle);
    r.left('b1', idle);
    await r.pool.release(over); // its channels' StasisEnd not seen yet
    r.pool.connectionLost();
    await r.pool.release(up);
    r.left('a2', over);
    r.left('b2', over);
    assert.deepEqual(r.calls.filter((c) => c.startsWith('destroy')).sort(), [
      `destroy ${over}`,
      `destroy ${up}`,
    ]);
    assert.equal(r.pool.idleCount, 1);
    assert.ok(r.pool.holds(idle));
    assert.equal(r.pool.inUseCount, 0);
  });

  it('deletes a bridge whose addChannel failed at its release (which channels are in is unknown)', async () => {
    const r = rig();
    let id = '';
    const pool = new BridgePool({
      maxIdle: 10,
      ids: { bridge: () => 'br-x' },
      control: {
        createBridge: async () => undefined,
        addToBridge: async () => {
          throw new Error('timed out');
        },
        destroyBridge: async (b) => void r.calls.push(`destroy ${b}`),
      },
    });
    await assert.rejects(
      pool.connect(
        ['a', 'b'],
        () => true,
        (b) => void (id = b),
      ),
    );
    await pool.release(id);
    assert.deepEqual(r.calls, ['destroy br-x']);
    assert.equal(pool.idleCount, 0);
  });

  it('deletes a bridge whose addChannel failed after the call was already released (a leg hung up meanwhile)', async () => {
    for (const reusedFirst of [false, true]) {
      const calls: string[] = [];
      let fail: (err: Error) => void = () => undefined;
      const pool = new BridgePool({
        maxIdle: 10,
        ids: { bridge: () => 'br-new' },
        control: {
          createBridge: async (id) => void calls.push(`create ${id}`),
          addToBridge: (id) =>
            new Promise<void>((_res, rej) => {
              calls.push(`add ${id}`);
              fail = rej;
            }),
          destroyBridge: async (id) => void calls.push(`destroy ${id}`),
        },
      });
      if (reusedFirst) {
        // An idle bridge to reuse: warmed ahead of the call.
        await pool.warm(1);
        calls.splice(0);
      }
      let id = '';
      let up = true;
      const connecting = pool.connect(
        ['a', 'b'],
        () => up,
        (b) => void (id = b),
      );
      await new Promise((r) => setImmediate(r));
      assert.ok(id, 'the bridge is the call’s before the legs are in');
      up = false; // A hangs up: the call ends and releases its bridge while addChannel is in flight
      await pool.release(id);
      fail(new CallControlError('add to bridge', 'Channel not found', 'not-found'));
      await assert.rejects(connecting);
      assert.equal(pool.idleCount, 0, 'not kept: which channels are in is unknown');
      assert.equal(pool.inUseCount, 0, 'nothing left to release it');
      assert.deepEqual(
        calls.filter((c) => c.startsWith('destroy')),
        [`destroy ${id}`],
        reusedFirst ? 'the reused bridge deleted' : 'the new bridge deleted',
      );
    }
  });

  it('deletes at shutdown the bridge of a call over whose channels were not yet seen leaving, not one still in use', async () => {
    const r = rig();
    const over = await r.connect(['a1', 'b1']);
    const live = await r.connect(['a2', 'b2']);
    await r.pool.release(over);
    r.left('a1', over); // b1's ChannelLeftBridge not (yet) seen
    r.calls.splice(0);
    await r.pool.close();
    assert.deepEqual(r.calls, [`destroy ${over}`]);
    assert.equal(r.pool.inUseCount, 1, `${live} is still its call's`);
    await r.pool.release(live);
    r.left('a2', live);
    r.left('b2', live);
    assert.deepEqual(r.calls, [`destroy ${over}`, `destroy ${live}`], 'deleted when its call ends');
    assert.equal(r.pool.idleCount, 0);
  });

  it('keeps at most maxIdle bridges and deletes all of them at shutdown', async () => {
    const r = rig(1);
    const one = await r.connect(['a1', 'b1']);
    const two = await r.connect(['a2', 'b2']);
    for (const [id, chans] of [
      [one, ['a1', 'b1']],
      [two, ['a2', 'b2']],
    ] as const) {
      await r.pool.release(id);
      for (const c of chans) r.left(c, id);
    }
    assert.deepEqual(
      r.calls.filter((c) => c.startsWith('destroy')),
      [`destroy ${two}`],
    );
    await r.pool.close();
    assert.deepEqual(
      r.calls.filter((c) => c.startsWith('destroy')),
      [`destroy ${two}`, `destroy ${one}`],
    );
    assert.equal(r.pool.idleCount, 0);
  });

  it('warms up to the count (never beyond maxIdle), and a warmed bridge takes a call with one request', async () => {
    const r = rig(5);
    await r.pool.warm(8);
    assert.equal(r.pool.idleCount, 5);
    assert.equal(r.calls.filter((c) => c.startsWith('create')).length, 5);
    await r.pool.warm(8);
    assert.equal(r.calls.length, 5, 'topping up a full pool creates nothing');
    r.calls.splice(0);
    const id = await r.connect(['a1', 'b1']);
    assert.deepEqual(r.calls, [`add ${id} a1,b1`]);
  });

  it('warms one bridge at a time, even when asked again meanwhile', async () => {
    let inFlight = 0;
    let most = 0;
    let n = 0;
    const pool = new BridgePool({
      maxIdle: 10,
      ids: { bridge: () => `br-${++n}` },
      control: {
        createBridge: async () => {
          most = Math.max(most, ++inFlight);
          await new Promise((r) => setImmediate(r));
          inFlight -= 1;
        },
        addToBridge: async () => undefined,
        destroyBridge: async () => undefined,
      },
    });
    await Promise.all([pool.warm(4), pool.warm(4), pool.warm(4)]);
    assert.equal(most, 1, 'never two creations in flight');
    assert.equal(n, 4, 'four made in all');
    assert.equal(pool.idleCount, 4);
  });

  it('stops warming at the first failed creation, and deletes what is made after close', async () => {
    let created = 0;
    const destroyed: string[] = [];
    let n = 0;
    let fail = true;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((res) => (release = res));
    const pool = new BridgePool({
      maxIdle: 10,
      ids: { bridge: () => `br-${++n}` },
      control: {
        createBridge: async () => {
          created += 1;
          if (fail) throw new Error('Asterisk said no');
          await gate;
        },
        addToBridge: async () => undefined,
        destroyBridge: async (id) => void destroyed.push(id),
      },
    });
    await assert.rejects(pool.warm(10), /Asterisk said no/);
    assert.equal(created, 1, 'no attempt after the failure');
    assert.equal(pool.idleCount, 0);
    fail = false;
    const warming = pool.warm(10).catch(() => undefined);
    let closed = false;
    const closing = pool.close().then(() => (closed = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(closed, false, 'close waits for the bridge being made');
    release();
    await closing;
    await warming;
    assert.equal(pool.idleCount, 0, 'nothing kept after close');
    assert.deepEqual(destroyed, ['br-2'], 'the bridge in creation at close is deleted');
    assert.equal(created, 2, 'and no other is made');
    await pool.warm(10);
    assert.equal(created, 2, 'a closed pool makes none');
  });
});

/**
 * Admission: the router bounds how many calls are being set up at once, so that an overload
 * refuses the excess at once (congestion, an OVERLOAD refusal) instead of letting every call
 * wait for a database connection until all of them time out.
 */
import assert from 'node:assert/strict';
import { createLogger } from '../../daemon/src/log.js';
import { CallRouter } from '../../daemon/src/session/call-router.js';
import type { CallOffered } from '../../daemon/src/session/call-events.js';
import { CallSession } from '../../daemon/src/session/call-session.js';
import { IdFactory } from '../../daemon/src/session/ids.js';
import type { Account } from '../../daemon/src/session/ports.js';
import { SessionRegistry } from '../../daemon/src/session/registry.js';
import { CONFIG, FakeClock, FakeControl, FakeStore, offered } from './fakes.js';

/** A store whose account look-ups wait until `release()`: calls stay in set-up meanwhile. */
class SlowStore extends FakeStore {
  private gate: Array<() => void> = [];
  override async accountByName(name: string): Promise<Account | undefined> {
    await new Promise<void>((r) => this.gate.push(r));
    return super.accountByName(name);
  }
  release(): void {
    for (const r of this.gate.splice(0)) r();
  }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

function rig(maxSetups: number) {
  const store = new SlowStore();
  const control = new FakeControl();
  const clock = new FakeClock();
  const registry = new SessionRegistry<CallSession>();
  const turnedAway: Array<[string, string]> = [];
  const router = new CallRouter({
    registry,
    control,
    logger: createLogger('error', { silent: true }),
    maxSetups,
    turnedAway: (o: CallOffered, reason) => turnedAway.push([o.channelId, reason]),
    newSession: (o) => {
      const s: CallSession = new CallSession(o, {
        store,
        control,
        clock,
        logger: createLogger('error', { silent: true }),
        ids: new IdFactory('n1', 'boot'),
        config: CONFIG,
        bind: (id) => registry.bind(id, s),
        onFinished: () => registry.remove(s),
      });
      return s;
    },
  });
  return { store, control, registry, router, turnedAway };
}

describe('when more calls arrive than the daemon may set up at once', () => {
  it('refuses the excess at once with congestion and an OVERLOAD record, and sets up the rest', async () => {
    const r = rig(3);
    for (let i = 1; i <= 5; i++) r.router.route(offered({ channelId: `A${i}` }));
    await flush();
    assert.deepEqual(r.turnedAway, [
      ['A4', 'OVERLOAD'],
      ['A5', 'OVERLOAD'],
    ]);
    assert.deepEqual(r.control.hungUp, ['A4', 'A5']);
    assert.equal(r.registry.size, 3);
    r.store.release();
    await flush();
    assert.equal(r.control.originated.length, 3, 'the admitted calls are dialled');
  });

  it('admits new calls again once earlier ones have left set-up', async () => {
    const r = rig(2);
    r.router.route(offered({ channelId: 'A1' }));
    r.router.route(offered({ channelId: 'A2' }));
    r.router.route(offered({ channelId: 'A3' }));
    r.store.release();
    await flush();
    assert.equal(r.control.originated.length, 2);
    r.router.route(offered({ channelId: 'A4' }));
    r.router.route(offered({ channelId: 'A5' }));
    r.router.route(offered({ channelId: 'A6' }));
    assert.deepEqual(r.turnedAway, [
      ['A3', 'OVERLOAD'],
      ['A6', 'OVERLOAD'],
    ]);
    r.store.release();
    await flush();
    assert.equal(r.control.originated.length, 4);
  });

  it('has no bound with 0', async () => {
    const r = rig(0);
    for (let i = 1; i <= 50; i++) r.router.route(offered({ channelId: `A${i}` }));
    assert.equal(r.turnedAway.length, 0);
    r.store.release();
    await flush();
    assert.equal(r.control.originated.length, 50);
  });
});

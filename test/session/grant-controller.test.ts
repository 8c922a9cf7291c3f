/**
 * The grant-mode talk clock alone, with a scripted store and switch: when it asks for the next
 * grant, what it does with the answer, and that Asterisk's deadline only moves after a commit.
 */
import assert from 'node:assert/strict';
import { createLogger } from '../../daemon/src/log.js';
import {
  GrantController,
  type GrantControllerOptions,
} from '../../daemon/src/session/grant-controller.js';
import type {
  ExtendRequest,
  ExtendResult,
  GrantStore,
} from '../../daemon/src/session/grant-ports.js';
import { FakeClock, FakeControl } from './fakes.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
};

class ScriptedStore implements GrantStore {
  readonly asked: ExtendRequest[] = [];
  /** Answers in order; a 'hang' answer never settles. */
  constructor(private readonly answers: Array<ExtendResult | 'hang' | Error>) {}
  extend(req: ExtendRequest): Promise<ExtendResult> {
    this.asked.push(req);
    const a = this.answers.shift() ?? { ok: false, reason: 'GONE' };
    if (a === 'hang') return new Promise(() => undefined);
    if (a instanceof Error) return Promise.reject(a);
    return Promise.resolve(a);
  }
  authoriseCallback(): never {
    throw new Error('not used');
  }
}

const grant = (maxSeconds: number, final = false): ExtendResult => ({
  ok: true,
  maxSeconds,
  maxCost: 0n,
  final,
  why: final ? 'credit' : null,
  extended: true,
});

function controller(store: GrantStore, over: Partial<GrantControllerOptions> = {}) {
  const clock = new FakeClock();
  const control = new FakeControl();
  const events: string[] = [];
  const c = new GrantController({
    store,
    control,
    clock,
    logger: createLogger('error', { silent: true }),
    uniqueid: 'call-1',
    channels: ['A', 'B'],
    granted: 60,
    final: false,
    releaseMarginSeconds: 10,
    extendDeadlineMs: 2500,
    graceSeconds: 2,
    warnBeforeSeconds: 0,
    defaultMaxSeconds: 3600,
    defaultGrantSeconds: 60,
    onWarn: () =>
      events.push(`warn@${clock.now().getTime() - Date.parse('2026-11-22T10:00:00.000Z')}`),
    onLimit: () =>
      events.push(`limit@${clock.now().getTime() - Date.parse('2026-11-22T10:00:00.000Z')}`),
    ...over,
  });
  c.start();
  return { c, clock, control, events };
}

describe('the grant-mode talk clock', () => {
  it('asks for the next grant 10 s before the current one ends and moves TIMEOUT(absolute) on both legs', async () => {
    const store = new ScriptedStore([grant(120), grant(180, true)]);
    const { c, clock, control } = controller(store);
    clock.advance(49_999);
    assert.equal(store.asked.length, 0);
    clock.advance(1);
    await flush();
    assert.deepEqual(store.asked[0], {
      uniqueid: 'call-1',
      fromSeconds: 60,
      confirmedSeconds: 50,
      at: clock.now(),
      defaultMaxSeconds: 3600,
      defaultGrantSeconds: 60,
    });
    assert.deepEqual(
      [control.timeouts.get('A'), control.timeouts.get('B')],
      [70, 70],
      '120 s granted, 50 s gone: exactly 70 s left, nothing taken off',
    );
    clock.advance(60_000);
    await flush();
    assert.equal(store.asked[1]?.fromSeconds, 120);
    assert.deepEqual([control.timeouts.get('A'), c.grantedSeconds, c.isFinal], [70, 180, true]);
    clock.advance(120_000);
    await flush();
    assert.equal(store.asked.length, 2, 'no extension after the final grant');
    c.close();
  });

  it('leaves TIMEOUT(absolute) alone and lets the grant run out when the store does not answer within its deadline', async () => {
    const store = new ScriptedStore(['hang']);
    const { c, clock, control, events } = controller(store);
    clock.advance(50_000);
    await flush();
    clock.advance(2_500);
    await flush();
    assert.equal(control.timeouts.size, 0, 'Asterisk keeps the 60 s it has');
    assert.equal(c.isFinal, true);
    clock.advance(20_000);
    assert.deepEqual(events, ['limit@62000'], "the daemon's own limit follows the grant it has");
  });

  it('treats a store error like no answer, and a grant it cannot move TIMEOUT for as not given', async () => {
    const failing = controller(new ScriptedStore([new Error('db down')]));
    failing.clock.advance(50_000);
    await flush();
    assert.equal(failing.c.isFinal, true);
    assert.equal(failing.c.grantedSeconds, 60);

    const { c, clock, control } = controller(new ScriptedStore([grant(120)]));
    control.failOn.add('timeout');
    clock.advance(50_000);
    await flush();
    assert.deepEqual([c.grantedSeconds, c.isFinal], [60, true]);
  });

  it('warns before the end of the final grant, at once when that moment has already passed', async () => {
    const store = new ScriptedStore([grant(120, true)]);
    const { clock, events } = controller(store, { warnBeforeSeconds: 30 });
    clock.advance(50_000);
    await flush();
    clock.advance(40_000);
    assert.deepEqual(events, ['warn@90000'], '30 s before 120 s');
    const late = controller(
      new ScriptedStore([
        { ok: true, maxSeconds: 60, maxCost: 0n, final: true, why: 'credit', extended: false },
      ]),
      { warnBeforeSeconds: 30 },
    );
    late.clock.advance(50_000);
    await flush();
    late.clock.advance(0);
    assert.deepEqual(
      late.events,
      ['warn@50000'],
      'no money for more: warned at once, 10 s before the end',
    );
  });
});

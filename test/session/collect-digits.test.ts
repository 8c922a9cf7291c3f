import assert from 'node:assert/strict';
import { DigitCollector } from '../../daemon/src/session/collect-digits.js';
import { LimitTimer } from '../../daemon/src/session/limit-timer.js';
import { FakeClock } from './fakes.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function prompt() {
  let finish!: () => void;
  const state = { started: 0, stopped: 0 };
  return {
    state,
    finish: () => finish(),
    player: {
      start: async () => {
        state.started++;
        const finished = new Promise<void>((r) => (finish = r));
        return { finished, stop: async () => void (state.stopped++, finish()) };
      },
    },
  };
}

describe('collecting DTMF', () => {
  const signal = new AbortController().signal;

  it('takes digits keyed before the prompt without playing it', async () => {
    const c = new DigitCollector(new FakeClock());
    for (const d of '1234#') c.push(d);
    const p = prompt();
    assert.deepEqual(
      await c.collect({ prompt: p.player, timeoutSeconds: 5, maxDigits: 10, signal }),
      { digits: '1234', end: '#' },
    );
    assert.equal(p.state.started, 0);
  });

  it('stops the prompt on the first digit and leaves later digits for the next entry', async () => {
    const c = new DigitCollector(new FakeClock());
    const p = prompt();
    const got = c.collect({ prompt: p.player, timeoutSeconds: 5, maxDigits: 10, signal });
    await flush();
    for (const d of '42#77') c.push(d);
    assert.deepEqual(await got, { digits: '42', end: '#' });
    assert.equal(p.state.stopped, 1);
    assert.equal(c.pending, '77');
  });

  it('times out only after the prompt has finished, then after each digit', async () => {
    const clock = new FakeClock();
    const c = new DigitCollector(clock);
    const p = prompt();
    let result: unknown;
    void c
      .collect({ prompt: p.player, timeoutSeconds: 5, maxDigits: 10, signal })
      .then((r) => (result = r));
    await flush();
    clock.advance(60_000);
    await flush();
    assert.equal(result, undefined, 'still playing: no digit timeout yet');
    p.finish();
    await flush();
    clock.advance(4_000);
    c.push('9');
    await flush();
    clock.advance(4_999);
    await flush();
    assert.equal(result, undefined);
    clock.advance(1);
    await flush();
    assert.deepEqual(result, { digits: '9', end: 'timeout' });
  });

  it('clears the entry on *, stops at the maximum length, and gives up when the caller goes', async () => {
    const c = new DigitCollector(new FakeClock());
    for (const d of '12*345') c.push(d);
    assert.deepEqual(await c.collect({ timeoutSeconds: 5, maxDigits: 3, signal }), {
      digits: '345',
      end: 'max',
    });
    const ac = new AbortController();
    const got = c.collect({ timeoutSeconds: 5, maxDigits: 3, signal: ac.signal });
    ac.abort();
    assert.deepEqual(await got, { digits: '', end: 'aborted' });
  });
});

describe('the limit timer', () => {
  it('warns before the limit and fires at the limit plus grace; close() cancels both', () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    const t = new LimitTimer({
      clock,
      limitSeconds: 60,
      graceSeconds: 2,
      warnBeforeSeconds: 10,
      fires: {
        limitWarning: () => void fired.push('warn'),
        limitReached: () => void fired.push('limit'),
      },
    });
    t.start();
    clock.advance(49_999);
    assert.deepEqual(fired.slice(), []);
    clock.advance(1);
    assert.deepEqual(fired.slice(), ['warn']);
    clock.advance(12_000);
    assert.deepEqual(fired.slice(), ['warn', 'limit']);
    const t2 = new LimitTimer({
      clock,
      limitSeconds: 5,
      graceSeconds: 0,
      warnBeforeSeconds: 30,
      fires: {
        limitWarning: () => void fired.push('warn2'),
        limitReached: () => void fired.push('limit2'),
      },
    });
    t2.start();
    t2.close();
    clock.advance(60_000);
    assert.deepEqual(
      fired.slice(),
      ['warn', 'limit'],
      'a warning longer than the call is not played; a closed timer never fires',
    );
  });
});

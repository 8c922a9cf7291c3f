import assert from 'node:assert/strict';
import { Deadlines, type Deadline } from '../../daemon/src/session/deadlines.js';
import { LimitTimer } from '../../daemon/src/session/limit-timer.js';
import { FakeClock, T0 } from './fakes.js';

/** A deadline that records when (fake ms since the clock's start) it expired. */
function recorder(clock: FakeClock, name: string, log: string[]): Deadline {
  return {
    due: 0,
    slot: -1,
    expire: () => void log.push(`${name}@${clock.monotonicMs() - T0}`),
  };
}

describe('the daemon-wide deadline queue', () => {
  it('expires deadlines in due order on one clock timer; a removed one never expires', () => {
    const clock = new FakeClock();
    const q = new Deadlines(clock);
    const log: string[] = [];
    const ds = [50, 10, 40, 30, 20, 60].map((ms) => {
      const d = recorder(clock, `d${ms}`, log);
      q.add(d, ms);
      return d;
    });
    q.remove(ds[2]!); // d40
    q.remove(ds[2]!); // twice: a no-op
    assert.equal(q.size, 5);
    clock.advance(35);
    assert.deepEqual(log, ['d10@10', 'd20@20', 'd30@30']);
    q.add(recorder(clock, 'late5', log), 5); // at 40: before every waiting one, the timer moves
    clock.advance(100);
    assert.deepEqual(log, ['d10@10', 'd20@20', 'd30@30', 'late5@40', 'd50@50', 'd60@60']);
    assert.equal(q.size, 0);
  });

  it('lets many calls’ limit timers share it: each fires its own warning and limit once', () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    const timers = [3, 1, 2].map((n) => {
      const t = new LimitTimer({
        clock,
        limitSeconds: n * 10,
        graceSeconds: 1,
        warnBeforeSeconds: 5,
        fires: {
          limitWarning: () => void fired.push(`warn${n}`),
          limitReached: () => void fired.push(`limit${n}`),
        },
      });
      t.start();
      return t;
    });
    clock.advance(12_000);
    timers[0]!.close(); // call 3 ends before its warning
    clock.advance(60_000);
    assert.deepEqual(fired, ['warn1', 'limit1', 'warn2', 'limit2']);
  });
});

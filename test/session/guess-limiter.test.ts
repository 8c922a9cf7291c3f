/** The guessing limits' rules, in memory (no database): cluster-wide slow/refuse, per-caller lockout. */
import assert from 'node:assert/strict';
import { GuessLimiter, type GuessLog } from '../../daemon/src/session/guess-limiter.js';
import { FakeClock } from './fakes.js';

const MIN = 60_000;

function limiter(c: FakeClock, o: Partial<ConstructorParameters<typeof GuessLimiter>[0]> = {}) {
  return new GuessLimiter({
    windowMinutes: 15,
    callerFailures: 3,
    slowFailures: 0,
    slowSeconds: 5,
    refuseFailures: 0,
    node: 'n1',
    clock: c,
    log: () => null,
    ...o,
  });
}

describe('the PIN-guessing limits', () => {
  it('locks a caller ID at the Nth wrong PIN within the window, for the window from that failure', async () => {
    const c = new FakeClock();
    const l = limiter(c);
    assert.equal((await l.recordFailure('pin', '555')).access, 'open');
    c.advance(MIN);
    assert.equal((await l.recordFailure('pin', '555')).access, 'open');
    assert.deepEqual(await l.recordFailure('pin', '555'), { access: 'refused', why: 'caller' });
    assert.deepEqual(await l.check('556'), { access: 'open' }, 'other caller IDs go on');
    c.advance(15 * MIN - 1);
    assert.equal((await l.check('555')).access, 'refused');
    c.advance(1);
    assert.equal((await l.check('555')).access, 'open', 'refused for 15 minutes, then open');
    assert.equal((await l.recordFailure('pin', '555')).access, 'open', 'counting starts again');
  });

  it('does not lump callers without a caller ID together', async () => {
    const c = new FakeClock();
    const l = limiter(c);
    for (let i = 0; i < 5; i++) await l.recordFailure('pin', '');
    assert.equal((await l.check('')).access, 'open');
    assert.equal((await l.check('  ')).access, 'open');
  });

  it('slows and then refuses card access when guesses come from many caller IDs, until they age out', async () => {
    const c = new FakeClock();
    const l = limiter(c, { slowFailures: 10, refuseFailures: 30 });
    for (let i = 0; i < 9; i++) await l.recordFailure('pin', `44770090${i}`);
    assert.equal((await l.check('1')).access, 'open');
    assert.deepEqual(await l.recordFailure('voucher', ''), { access: 'slow', waitSeconds: 5 });
    for (let i = 10; i < 29; i++) await l.recordFailure('pin', `5550${i}`);
    assert.equal((await l.check('someone-else')).access, 'slow');
    assert.deepEqual(await l.recordFailure('pin', ''), { access: 'refused', why: 'attack' });
    assert.deepEqual(await l.check('a-good-customer'), { access: 'refused', why: 'attack' });
    c.advance(15 * MIN);
    assert.deepEqual(await l.check('a-good-customer'), { access: 'open' });
  });

  it('keeps counting in memory when the database fails or hangs', async () => {
    const c = new FakeClock();
    const down: GuessLog = {
      record: () => Promise.reject(new Error('ECONNREFUSED')),
      recent: () => new Promise(() => undefined),
      prune: () => Promise.resolve(),
    };
    const l = limiter(c, { refuseFailures: 3, log: () => down, dbDeadlineMs: 20 });
    await l.recordFailure('pin', 'a');
    await l.recordFailure('pin', 'b');
    assert.deepEqual(await l.recordFailure('pin', 'c'), { access: 'refused', why: 'attack' });
  });
});

import assert from 'node:assert/strict';
import { capPeriods, capRoom, parseMoney as m } from '../../daemon/src/rating/index.js';

describe('spend cap room (pure)', () => {
  const none = {
    dayMax: null,
    monthMax: null,
    callMax: null,
    callsPerMin: null,
    lowBalance: null,
    largeTopup: null,
    burstMinutes: null,
    burstSpend: null,
    blockedDestPerMin: null,
    concurrentMax: null,
  };
  it('is null without a money cap', () => {
    assert.equal(capRoom({ ...none, callsPerMin: 5 }, { day: 0n, month: 0n }, 0n), null);
  });
  it('is the smallest room of day, month and call, never below 0', () => {
    const caps = { ...none, dayMax: m('5'), monthMax: m('20'), callMax: m('3') };
    assert.deepEqual(capRoom(caps, { day: m('1'), month: m('1') }, 0n), {
      room: m('3'),
      reason: 'CAP_CALL',
    });
    assert.deepEqual(capRoom(caps, { day: m('4'), month: m('4') }, m('1')), {
      room: m('1'),
      reason: 'CAP_DAY',
    });
    assert.deepEqual(capRoom(caps, { day: m('4'), month: m('21') }, 0n), {
      room: 0n,
      reason: 'CAP_MONTH',
    });
  });
  it('begins the day and month at midnight UTC', () => {
    const p = capPeriods(new Date('2026-12-31T23:59:59.999Z'));
    assert.equal(p.day.toISOString(), '2026-12-31T00:00:00.000Z');
    assert.equal(p.month.toISOString(), '2026-12-01T00:00:00.000Z');
  });
});

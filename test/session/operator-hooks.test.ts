/**
 * What a call session tells the operator's side: the metrics it reports (through the narrow
 * SessionMetrics port, never prom-client), what GET /calls shows of it, the PIN lockout's memory
 * and the currency the balance is announced in.
 */
import assert from 'node:assert/strict';
import { Metrics } from '../../daemon/src/api/metrics.js';
import type { CallOutcome, SessionMetrics } from '../../daemon/src/session/ports.js';
import { namesDestination } from '../../daemon/src/session/call-session.js';
import { balanceAnnouncement, currencyWords, PROMPTS } from '../../daemon/src/session/prompts.js';
import { mediaDuration } from '../../daemon/src/sim/media.js';
import { FakeStore, at, rig } from './fakes.js';

class RecordingMetrics implements SessionMetrics {
  outcomes: CallOutcome[] = [];
  authorised: number[] = [];
  failures = 0;
  callFinished(o: CallOutcome): void {
    this.outcomes.push(o);
  }
  observeAuthorise(s: number): void {
    this.authorised.push(s);
  }
  settlementFailed(): void {
    this.failures++;
  }
}

describe('what a call session reports', () => {
  it('counts an answered call once, with one authorise timing', async () => {
    const metrics = new RecordingMetrics();
    const r = rig({ metrics });
    void r.session.start();
    await r.flush();
    const b = r.control.originated[0]!.channelId;
    r.send({ kind: 'leg-answered', at: at(1_000), channelId: b });
    await r.flush();
    r.send({
      kind: 'leg-ended',
      at: at(61_000),
      channelId: b,
      cause: 16,
      source: 'hangup-request',
    });
    r.send({ kind: 'leg-ended', at: at(61_000), channelId: b, cause: 16, source: 'destroyed' });
    await r.session.finished;
    assert.deepEqual(metrics.outcomes, ['ANSWERED']);
    assert.equal(metrics.authorised.length, 1);
    assert.ok(metrics.authorised[0]! >= 0);
    assert.equal(metrics.failures, 0);
  });

  it('counts a refusal by its reason (the store wrote the CDR)', async () => {
    const metrics = new RecordingMetrics();
    const r = rig({ metrics, offered: { dialled: '99' } });
    await r.session.start();
    assert.deepEqual(metrics.outcomes, ['NOROUTE']);
    assert.equal(r.store.refusals[0]?.reason, 'NOROUTE');
  });

  it('counts a settlement that waits in the journal as a settlement failure', async () => {
    const metrics = new RecordingMetrics();
    const store = new FakeStore();
    const settle = store.settle.bind(store);
    store.settle = async (req) => ({ ...(await settle(req)), pending: true });
    const r = rig({ metrics, store });
    void r.session.start();
    await r.flush();
    const b = r.control.originated[0]!.channelId;
    r.send({ kind: 'leg-failed', at: at(2_000), channelId: b, failure: 'BUSY', cause: 17 });
    await r.session.finished;
    assert.deepEqual(metrics.outcomes, ['BUSY']);
    assert.equal(metrics.failures, 1);
  });

  it('is satisfied by the Prometheus Metrics (the daemon passes that one), which counts each outcome', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const m: SessionMetrics = metrics;
    m.callFinished('ABANDONED');
    m.callFinished('LOCKED');
    m.callFinished('LOCKED');
    m.callFinished('SHUTDOWN');
    const text = await metrics.render();
    const count = (outcome: string) =>
      new RegExp(`^astbill_calls_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1];
    assert.equal(count('ABANDONED'), '1');
    assert.equal(count('LOCKED'), '2');
    assert.equal(count('SHUTDOWN'), '1');
    assert.equal(count('ANSWERED'), '0');
  });

  it('shows its state, account, destination and grant to GET /calls', async () => {
    const r = rig();
    void r.session.start();
    await r.flush();
    const info = r.session.info();
    assert.equal(info.id, 'A1');
    assert.equal(info.state, 'dialling');
    assert.equal(info.account, 'alice');
    assert.equal(info.destination, '442071234567');
    assert.equal(info.callerNumber, '1001');
    assert.equal(info.grantedSeconds, 3600);
    assert.equal(info.answeredAt, null);
    await r.session.kill('operator');
  });
});

describe('which dialled values name a destination', () => {
  it('takes anything with a digit as dialled, and asks for the number otherwise', () => {
    for (const d of ['442071234567', '44ab12', '+4420']) assert.equal(namesDestination(d), true, d);
    for (const d of ['s', 'card', '', null]) assert.equal(namesDestination(d), false, String(d));
  });
});

describe('the balance announcement', () => {
  it('says dollars for a dollar currency and spells any other currency code', () => {
    assert.deepEqual(balanceAnnouncement(1_250_000n, 600, 'USD'), [
      'sound:vm-youhave',
      'number:12',
      'sound:digits/dollars',
      'sound:vm-and',
      'number:10',
      'sound:minutes',
    ]);
    assert.deepEqual(currencyWords('eur'), ['characters:EUR']);
    assert.deepEqual(currencyWords('GBP'), ['characters:GBP']);
    assert.deepEqual(currencyWords('??'), []);
  });
});

describe('the simulator’s sound table', () => {
  it('knows every prompt astbill plays, so that none ends at once as a missing file', () => {
    const media = [
      ...Object.values(PROMPTS).flat(),
      ...balanceAnnouncement(100_000n, 60, 'USD'),
      ...balanceAnnouncement(100_000n, 60, 'EUR'),
      'sound:beep',
    ];
    for (const m of media)
      assert.ok(mediaDuration(m, {}) !== undefined, `${m} is in the simulator's table`);
  });
});

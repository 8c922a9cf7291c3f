/**
 * The call session's state machine against a scripted switch and an in-memory store: what
 * happens when events arrive twice or out of order, when the store or the switch fails, and
 * when the daemon's own limit has to step in.
 */
import assert from 'node:assert/strict';
import { CallRouter } from '../../daemon/src/session/call-router.js';
import { CallSession } from '../../daemon/src/session/call-session.js';
import { createLogger } from '../../daemon/src/log.js';
import { IdFactory } from '../../daemon/src/session/ids.js';
import { SessionRegistry } from '../../daemon/src/session/registry.js';
import { CONFIG, FakeClock, FakeControl, FakeStore, at, offered, rig, type Rig } from './fakes.js';

async function toTalking(r: Rig, answerAt = 1_000): Promise<string> {
  void r.session.start();
  await r.flush();
  assert.equal(r.session.state, 'dialling');
  const b = r.control.originated[0]!.channelId;
  r.send({ kind: 'leg-answered', at: at(answerAt), channelId: b });
  await r.flush();
  assert.equal(r.session.state, 'talking');
  return b;
}

describe('a call session', () => {
  describe('when the B leg answers', () => {
    it('sets TIMEOUT(absolute) to the grant on both legs, bridges them and records the answer', async () => {
      const r = rig();
      const b = await toTalking(r);
      // 10.00 at 0.05/min + 0.10 pays for far more than the 3600 s cap.
      assert.equal(r.control.timeouts.get('A1'), 3600);
      assert.equal(r.control.timeouts.get(b), 3600);
      assert.ok(r.control.calls.some((c) => c.startsWith('addToBridge') && c.endsWith(`A1,${b}`)));
      assert.deepEqual(r.store.answered, ['A1']);
      const req = r.control.originated[0]!;
      assert.equal(req.endpoint, 'PJSIP/442071234567@trunk');
      assert.equal(req.callerId, '"Alice" <1001>');
      assert.equal(req.originator, 'A1');
      assert.equal(req.ringTimeout, 45);
      assert.match(req.channelId, /^astbill-n1-boot-\d+$/);
    });
  });

  describe('when events arrive twice or out of order', () => {
    it('settles once: duplicated answers and hangups, the far end’s StasisEnd after its hangup, a late failure', async () => {
      const r = rig();
      const b = await toTalking(r);
      r.send({ kind: 'leg-answered', at: at(1_000), channelId: b });
      r.send({
        kind: 'leg-ended',
        at: at(96_000),
        channelId: b,
        cause: 16,
        source: 'hangup-request',
      });
      r.send({
        kind: 'leg-ended',
        at: at(96_001),
        channelId: b,
        cause: null,
        source: 'stasis-end',
      });
      r.send({ kind: 'leg-ended', at: at(96_002), channelId: b, cause: 16, source: 'destroyed' });
      r.send({
        kind: 'leg-ended',
        at: at(96_003),
        channelId: 'A1',
        cause: 16,
        source: 'hangup-request',
      });
      r.send({ kind: 'leg-failed', at: at(96_004), channelId: b, failure: 'BUSY', cause: 17 });
      await r.session.finished;
      await r.flush();
      assert.equal(r.store.settles.length, 1);
      const s = r.store.settles[0]!;
      assert.equal(s.disposition, 'ANSWERED');
      assert.equal(s.billsec, 95, 'answer at 1 s, the far end hung up at 96 s (Asterisk time)');
      assert.equal(s.hangupCause, 16);
      assert.equal(r.session.state, 'settled');
      assert.equal(r.registry.size, 0);
      assert.equal(
        r.control.hungUp.filter((id) => id === 'A1').length,
        1,
        'the caller is hung up once',
      );
      assert.ok(r.control.calls.some((c) => c.startsWith('destroyBridge')));
    });

    it('cancels when the caller’s StasisEnd comes before any Dial event, and hangs up a leg that answers afterwards', async () => {
      const r = rig();
      void r.session.start();
      await r.flush();
      const b = r.control.originated[0]!.channelId;
      r.send({
        kind: 'leg-ended',
        at: at(2_000),
        channelId: 'A1',
        cause: null,
        source: 'stasis-end',
      });
      r.send({
        kind: 'leg-ended',
        at: at(2_001),
        channelId: 'A1',
        cause: 16,
        source: 'hangup-request',
      });
      await r.session.finished;
      assert.deepEqual(r.control.hungUp, [b], 'the ringing B leg is hung up by the daemon');
      r.session.handle({
        kind: 'leg-failed',
        at: at(2_002),
        channelId: b,
        failure: 'NO ANSWER',
        cause: 19,
      });
      r.session.handle({ kind: 'leg-answered', at: at(2_003), channelId: b });
      await r.flush();
      assert.equal(r.store.settles.length, 1);
      assert.equal(r.store.settles[0]!.disposition, 'CANCEL');
      assert.equal(r.store.settles[0]!.billsec, 0);
      assert.deepEqual(
        r.control.hungUp,
        [b, b],
        'a leg answering after the call is over is hung up too',
      );
    });

    it('ignores a failure of the B leg once the call is talking', async () => {
      const r = rig();
      const b = await toTalking(r);
      r.send({ kind: 'leg-failed', at: at(3_000), channelId: b, failure: 'CONGESTION', cause: 34 });
      await r.flush();
      assert.equal(r.session.state, 'talking');
      assert.equal(r.store.settles.length, 0);
      r.send({
        kind: 'leg-ended',
        at: at(11_000),
        channelId: 'A1',
        cause: 16,
        source: 'hangup-request',
      });
      await r.session.finished;
      assert.equal(r.store.settles[0]!.billsec, 10);
    });
  });

  describe('when the limit is reached', () => {
    it('ends the call through the kill path at the grant plus grace when Asterisk did not, billing Asterisk’s end time', async () => {
      const store = new FakeStore();
      store.accounts.get('alice')!.balance = 1_000_000n - 900_000n; // 1.00 at 0.05/min + 0.10 → 1080 s
      const r = rig({ store });
      const b = await toTalking(r, 0);
      assert.equal(r.control.timeouts.get('A1'), 1080);
      r.clock.advance(1_081_000);
      await r.flush();
      assert.equal(r.store.settles.length, 0, 'grace: Asterisk is given the chance first');
      r.clock.advance(1_000);
      await r.flush();
      assert.deepEqual(new Set(r.control.hungUp), new Set(['A1', b]));
      r.send({
        kind: 'leg-ended',
        at: at(1_082_000),
        channelId: 'A1',
        cause: null,
        source: 'hangup-request',
      });
      await r.session.finished;
      assert.equal(r.store.settles.length, 1);
      assert.equal(r.store.settles[0]!.billsec, 1082, 'measured; the store caps it at the grant');
      assert.equal(r.store.settles[0]!.note, 'ended by astbill: limit');
    });

    it('moves TIMEOUT(absolute) and its own limit to a shorter grant the database holds (limitTo), never to a longer one', async () => {
      const r = rig();
      const b = await toTalking(r, 0);
      const [uniqueid] = r.session.openUniqueids();
      r.clock.advance(20_000);
      r.session.limitTo(uniqueid!, 30);
      await r.flush();
      assert.deepEqual([r.control.timeouts.get('A1'), r.control.timeouts.get(b)], [10, 10]);
      r.session.limitTo(uniqueid!, 60);
      await r.flush();
      assert.equal(r.control.timeouts.get('A1'), 10, 'a longer grant changes nothing');
      r.clock.advance(11_999);
      await r.flush();
      assert.deepEqual(r.control.hungUp, [], 'Asterisk is given the chance first');
      r.clock.advance(1);
      await r.flush();
      assert.deepEqual(new Set(r.control.hungUp), new Set(['A1', b]), 'at 30 s + grace');
    });

    it('ends at once through the kill path a call already past the shorter grant it is cut to', async () => {
      const r = rig();
      const b = await toTalking(r, 0);
      r.clock.advance(40_000);
      r.session.limitTo(r.session.openUniqueids()[0]!, 30);
      await r.flush();
      assert.deepEqual(new Set(r.control.hungUp), new Set(['A1', b]));
      r.send({
        kind: 'leg-ended',
        at: at(40_000),
        channelId: 'A1',
        cause: null,
        source: 'hangup-request',
      });
      await r.session.finished;
      assert.equal(r.store.settles[0]!.note, 'ended by astbill: limit');
    });

    it('settles with its own clock when Asterisk confirms nothing (events lost)', async () => {
      const r = rig();
      await toTalking(r, 0);
      const done = r.session.kill('operator');
      await r.flush();
      r.clock.advance(5_000);
      await done;
      assert.equal(r.store.settles.length, 1);
      assert.equal(r.store.settles[0]!.disposition, 'ANSWERED');
    });

    it('plays the warning on the caller’s leg before the end', async () => {
      const r = rig({ config: { warnBefore: 30 } });
      await toTalking(r, 0);
      r.clock.advance(3_570_000);
      await r.flush();
      assert.deepEqual(r.control.played.at(-1), ['sound:beep']);
    });
  });

  describe('when the store fails', () => {
    it('announces and hangs up before dialling when the authorisation fails (never an unlimited call)', async () => {
      const store = new FakeStore();
      store.failOn.add('authorise');
      const r = rig({ store });
      await r.session.start();
      assert.equal(r.control.originated.length, 0, 'nothing dialled');
      assert.ok(r.control.played.some((m) => m.includes('sound:im-sorry')));
      assert.ok(r.control.hungUp.includes('A1'));
      assert.equal(r.store.refusals[0]?.reason, 'DBERROR');
    });

    it('ends a call whose answer cannot be recorded, and settles it', async () => {
      const store = new FakeStore();
      store.failOn.add('markAnswered');
      const r = rig({ store });
      const b = await toTalking(r);
      await r.flush();
      assert.deepEqual(new Set(r.control.hungUp), new Set(['A1', b]));
      r.send({
        kind: 'leg-ended',
        at: at(1_500),
        channelId: b,
        cause: 16,
        source: 'hangup-request',
      });
      await r.session.finished;
      assert.equal(r.store.settles.length, 1);
      assert.equal(r.store.settles[0]!.note, 'ended by astbill: store-error');
    });

    it('keeps trying to settle, then leaves the reservation for housekeeping and still finishes', async () => {
      const store = new FakeStore();
      const r = rig({ store });
      const b = await toTalking(r);
      store.failOn.add('settle');
      r.send({
        kind: 'leg-ended',
        at: at(5_000),
        channelId: b,
        cause: 16,
        source: 'hangup-request',
      });
      for (let i = 0; i < 5; i++) {
        await r.flush();
        r.clock.advance(5_000);
      }
      await r.session.finished;
      assert.equal(r.session.state, 'settled');
      assert.equal(r.store.settles.length, 0);
    });
  });

  describe('when the switch fails', () => {
    it('treats a failed originate as an unavailable destination: released, caller hung up', async () => {
      const control = new FakeControl();
      control.failOn.add('originate');
      const r = rig({ control });
      await r.session.start();
      assert.equal(r.store.settles[0]?.disposition, 'FAILED');
      assert.equal(r.store.settles[0]?.billsec, 0);
      assert.ok(r.control.hungUp.includes('A1'));
    });

    it('keeps the other calls going when one call’s switch requests blow up', async () => {
      const registry = new SessionRegistry<CallSession>();
      const logger = createLogger('error', { silent: true });
      const good = new FakeControl();
      const bad = new FakeControl();
      bad.failOn.add('setAbsoluteTimeout');
      bad.failOn.add('timeout');
      const store = new FakeStore();
      const clock = new FakeClock();
      const ids = new IdFactory('n1', 'boot');
      let n = 0;
      const router = new CallRouter({
        registry,
        control: good,
        logger,
        newSession: (o) => {
          const control = n++ === 0 ? bad : good;
          const s: CallSession = new CallSession(o, {
            store,
            control,
            clock,
            logger,
            ids,
            config: CONFIG,
            bind: (id) => registry.bind(id, s),
            onFinished: () => registry.remove(s),
          });
          return s;
        },
      });
      router.route(offered({ channelId: 'A1' }));
      router.route(offered({ channelId: 'A2' }));
      const flush = async () => {
        for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      };
      await flush();
      const b1 = bad.originated[0]!.channelId;
      const b2 = good.originated[0]!.channelId;
      router.route({ kind: 'leg-answered', at: at(1_000), channelId: b1 });
      router.route({ kind: 'leg-answered', at: at(1_000), channelId: b2 });
      await flush();
      assert.deepEqual(
        new Set(bad.hungUp),
        new Set(['A1', b1]),
        'the broken call is ended, never left unlimited',
      );
      assert.equal(registry.byChannelId('A2')?.state, 'talking', 'the other call talks on');
      router.route({
        kind: 'leg-ended',
        at: at(2_000),
        channelId: 'A1',
        cause: 16,
        source: 'stasis-end',
      });
      router.route({
        kind: 'leg-ended',
        at: at(9_000),
        channelId: 'A2',
        cause: 16,
        source: 'hangup-request',
      });
      await flush();
      assert.equal(store.settles.length, 2);
      assert.equal(registry.size, 0);
    });
  });

  describe('when the caller is identified', () => {
    it('refuses a blocked account with an announcement and a BLOCKED refusal', async () => {
      const store = new FakeStore();
      store.accounts.get('alice')!.status = 'blocked';
      const r = rig({ store });
      await r.session.start();
      assert.ok(r.control.played.some((m) => m.includes('sound:ss-noservice')));
      assert.equal(r.store.refusals[0]?.reason, 'BLOCKED');
      assert.equal(r.control.originated.length, 0);
    });

    it('does not answer the caller when no prompt has to be played', async () => {
      const r = rig();
      await toTalking(r);
      const answers = r.control.calls.filter((c) => c.startsWith('answer'));
      const originate = r.control.calls.findIndex((c) => c.startsWith('originate'));
      const firstAnswer = r.control.calls.findIndex((c) => c.startsWith('answer'));
      assert.equal(answers.length, 1);
      assert.ok(firstAnswer > originate, 'answered only once the destination answered');
      assert.ok(r.control.calls.includes('ring A1'), 'the caller hears ringing meanwhile');
    });
  });
});

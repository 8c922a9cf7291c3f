/** The simulator driven through the real ari-client 2.2.0, as the daemon will use it. */
import assert from 'node:assert/strict';
import client from 'ari-client';
import WebSocket from 'ws';
import type { Channel, Event, Playback } from 'ari-client';
import { raw, startRig, type Rig } from './helpers.js';

/** Collects events of the given types as the client receives them. */
function collect(
  rig: Rig,
  ...types: string[]
): {
  type: string;
  channel?: string;
  dialstatus?: string;
  cause?: number;
  digit?: string;
  state?: string;
}[] {
  const seen: {
    type: string;
    channel?: string;
    dialstatus?: string;
    cause?: number;
    digit?: string;
    state?: string;
  }[] = [];
  collected.set(seen, types);
  for (const t of types) {
    rig.ari.on(t as 'StasisStart', (e: Event) => {
      const ev = e as Event & {
        channel?: Channel;
        peer?: Channel;
        dialstatus?: string;
        cause?: number;
        digit?: string;
        playback?: Playback;
      };
      seen.push({
        type: ev.type,
        channel: ev.channel?.id ?? ev.peer?.id,
        dialstatus: ev.dialstatus,
        cause: ev.cause,
        digit: ev.digit,
        state: ev.playback?.state,
      });
    });
  }
  return seen;
}

const collected = new WeakMap<object, string[]>();

/**
 * Resolves once the client holds every event of the collected types that the simulator has
 * delivered to the app so far (one websocket delivers in order, so nothing earlier is missing).
 */
function caughtUp(rig: Rig, seen: object): Promise<void> {
  const types = collected.get(seen)!;
  const delivered = () =>
    rig.sim.sentEvents('astbill').filter((s) => s.delivered && types.includes(s.event.type)).length;
  return rig.sim.waitUntil(() => (seen as unknown[]).length >= delivered());
}

describe('the simulator through ari-client', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  describe('when connecting', () => {
    it('serves declarations whose basePath is the address the client used', async () => {
      const r = await raw(rig.sim, 'GET', '/ari/api-docs/resources.json');
      assert.equal(r.status, 200);
      const listing = r.body as { basePath: string; apis: { path: string }[] };
      assert.equal(listing.basePath, `${rig.sim.url}/ari`);
      assert.ok(listing.apis.some((a) => a.path === '/api-docs/channels.{format}'));
      const ch = (await raw(rig.sim, 'GET', '/ari/api-docs/channels.json')).body as {
        apis: {
          path: string;
          operations: {
            nickname: string;
            parameters: { name: string; allowMultiple: boolean }[];
          }[];
        }[];
      };
      const ops = ch.apis.flatMap((a) => a.operations.map((o) => `${a.path} ${o.nickname}`));
      for (const want of [
        '/channels originate',
        '/channels/{channelId} hangup',
        '/channels/{channelId}/variable setChannelVar',
        '/channels/{channelId}/play play',
      ]) {
        assert.ok(ops.includes(want), want);
      }
    });

    it('refuses wrong credentials with 401 like Asterisk, on REST and on the websocket', async () => {
      const r = await raw(rig.sim, 'GET', '/ari/channels', { auth: 'astbill:wrong' });
      assert.equal(r.status, 401);
      assert.deepEqual(r.body, { message: 'Authentication required' });
      assert.equal(r.headers.get('www-authenticate'), 'Basic realm="Asterisk REST Interface"');
      assert.equal((await raw(rig.sim, 'GET', '/ari/channels', { auth: null })).status, 401);
      const viaKey = await fetch(`${rig.sim.url}/ari/asterisk/info?api_key=astbill:astbill`);
      assert.equal(viaKey.status, 200);
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(
          `${rig.sim.url.replace('http', 'ws')}/ari/events?app=x&api_key=astbill:nope`,
        );
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => undefined);
      });
      assert.equal(status, 401);
    });

    it("answers unknown ids with 404 and Asterisk's message", async () => {
      await assert.rejects(rig.ari.channels.get({ channelId: 'nope' }), /Channel not found/);
      await assert.rejects(rig.ari.channels.hangup({ channelId: 'nope' }), /Channel not found/);
      await assert.rejects(rig.ari.bridges.get({ bridgeId: 'nope' }), /Bridge not found/);
      await assert.rejects(rig.ari.playbacks.stop({ playbackId: 'nope' }), /Playback not found/);
      assert.deepEqual((await raw(rig.sim, 'GET', '/ari/channels/nope')).body, {
        message: 'Channel not found',
      });
      assert.equal((await raw(rig.sim, 'GET', '/ari/nothing-here')).status, 404);
    });

    it('reports asterisk info and lists the connected app', async () => {
      const info = (await rig.ari.asterisk.getInfo()) as unknown as { system: { version: string } };
      assert.match(info.system.version, /^22\./);
      const apps = await rig.ari.applications.list();
      assert.deepEqual(
        apps.map((a) => a.name),
        ['astbill'],
      );
    });
  });

  describe('when a subscriber calls in', () => {
    it('delivers StasisStart with caller id, accountcode, dialplan and args, then DTMF after answer', async () => {
      const seen = collect(rig, 'ChannelDtmfReceived');
      const started = new Promise<Channel>((resolve) =>
        rig.ari.once('StasisStart', (_e, ch: Channel) => resolve(ch)),
      );
      const call = rig.sim.placeCall({
        exten: '4930123',
        callerId: 'Alice <1001>',
        accountcode: 'alice',
        dtmf: '12#',
      });
      const ch = await started;
      assert.equal(ch.id, call.channelId);
      assert.match(ch.name, /^PJSIP\/alice-[0-9a-f]{8}$/);
      assert.equal(ch.state, 'Ring');
      assert.deepEqual(ch.caller, { name: 'Alice', number: '1001' });
      assert.equal(ch.accountcode, 'alice');
      assert.equal(ch.dialplan.exten, '4930123');
      assert.equal(ch.dialplan.app_name, 'Stasis');
      await rig.ari.channels.answer({ channelId: ch.id });
      rig.sim.manualClock.advance(3000);
      await caughtUp(rig, seen);
      assert.deepEqual(
        seen.map((e) => e.digit),
        ['1', '2', '#'],
      );
    });

    it('fails the call in the dialplan when the app has no websocket', async () => {
      const call = rig.sim.placeCall({ exten: '555', app: 'nobody' });
      assert.equal(call.enteredStasis, false);
      assert.equal(rig.sim.failedStasisCalls()[0]?.reason, 'unknown-app');
      assert.equal(rig.sim.ended(call.channelId)?.hungUpBy, 'dialplan');
    });

    it('sends nothing after StasisEnd for an unsubscribed caller channel', async () => {
      const call = rig.sim.placeCall({ exten: '12345', tech: 'Local' });
      await rig.ari.channels.answer({ channelId: call.channelId });
      rig.sim.hangupCaller(call.channelId, 17);
      const types = rig.sim
        .sentEvents('astbill')
        .filter((s) => (s.event.channel as { id?: string } | undefined)?.id === call.channelId)
        .map((s) => s.event.type);
      assert.deepEqual(types, [
        'StasisStart',
        'ChannelStateChange',
        'ChannelHangupRequest',
        'StasisEnd',
      ]);
      assert.equal(rig.sim.ended(call.channelId)?.cause, 17);
      assert.equal(rig.sim.ended(call.channelId)?.hungUpBy, 'caller');
    });
  });

  describe('when the app dials the B leg', () => {
    async function dial(number: string, extra: Record<string, unknown> = {}): Promise<string> {
      const ch = await rig.ari.channels.originate({
        endpoint: `PJSIP/${number}@trunk`,
        app: 'astbill',
        appArgs: 'dialed',
        ...extra,
      });
      return ch.id;
    }

    it('answer: Dial "" then ANSWER, then StasisStart; the id chosen by the app is kept', async () => {
      const seen = collect(rig, 'Dial', 'StasisStart');
      const id = await dial('15551234', { channelId: 'astbill-b-1' });
      assert.equal(id, 'astbill-b-1');
      await caughtUp(rig, seen);
      assert.deepEqual(
        seen.map((e) => `${e.type}:${e.dialstatus ?? ''}`),
        ['Dial:', 'Dial:ANSWER', 'StasisStart:'],
      );
      assert.equal(rig.sim.channel(id)?.name.startsWith('PJSIP/trunk-'), true);
    });

    it('busy and congestion end the leg with cause 17 / 34 and no StasisStart', async () => {
      const seen = collect(rig, 'Dial', 'ChannelDestroyed', 'StasisStart');
      const busy = await dial('3000');
      const cong = await dial('5000');
      await caughtUp(rig, seen);
      assert.deepEqual(
        seen
          .filter((e) => e.channel === busy)
          .map((e) => `${e.type}:${e.dialstatus ?? e.cause ?? ''}`),
        ['Dial:', 'Dial:BUSY', 'ChannelDestroyed:17'],
      );
      assert.deepEqual(
        seen
          .filter((e) => e.channel === cong)
          .map((e) => `${e.type}:${e.dialstatus ?? e.cause ?? ''}`),
        ['Dial:', 'Dial:CONGESTION', 'ChannelDestroyed:34'],
      );
    });

    it('no answer: RINGING until the originate timeout, then cause 19 without a NOANSWER Dial', async () => {
      const seen = collect(rig, 'Dial', 'ChannelDestroyed');
      const id = await dial('4000', { timeout: 20 });
      rig.sim.manualClock.advance(19_999);
      assert.ok(rig.sim.channel(id));
      rig.sim.manualClock.advance(1);
      await caughtUp(rig, seen);
      assert.deepEqual(
        seen.map((e) => `${e.type}:${e.dialstatus ?? e.cause}`),
        ['Dial:', 'Dial:RINGING', 'ChannelDestroyed:19'],
      );
      assert.equal(rig.sim.ended(id)?.hungUpBy, 'ring-timeout');
    });

    it('rejects unknown technologies with 500 and malformed endpoints with 400', async () => {
      await assert.rejects(
        rig.ari.channels.originate({ endpoint: 'Bogus/1', app: 'astbill' }),
        /Allocation failed/,
      );
      await assert.rejects(
        rig.ari.channels.originate({ endpoint: 'no-slash', app: 'astbill' }),
        /Invalid endpoint specified/,
      );
      await assert.rejects(
        rig.ari.channels.originate({ endpoint: 'Local/1@x', app: 'astbill', originator: 'ghost' }),
        /originator channel was not found/,
      );
    });

    it('follows the rules table set by the test (longest prefix wins)', async () => {
      rig.sim.setRules([
        { prefix: '49', action: 'answer' },
        { prefix: '491', action: 'busy' },
      ]);
      const seen = collect(rig, 'Dial');
      const a = await dial('4930');
      const b = await dial('4915');
      await caughtUp(rig, seen);
      assert.equal(seen.find((e) => e.channel === a && e.dialstatus !== '')?.dialstatus, 'ANSWER');
      assert.equal(seen.find((e) => e.channel === b && e.dialstatus !== '')?.dialstatus, 'BUSY');
    });
  });

  describe('when a call is bridged with a limit', () => {
    it('cuts only the limited leg after an hour of fake time, and lets the app read the deadline', async () => {
      const a = rig.sim.placeCall({ exten: '4930', tech: 'Local' });
      await rig.ari.channels.answer({ channelId: a.channelId });
      const b = await rig.ari.channels.originate({
        endpoint: 'Local/15551234@pstn-sim',
        app: 'astbill',
        appArgs: 'dialed',
      });
      const bridge = await rig.ari.bridges.create({ type: 'mixing', bridgeId: 'astbill-bridge-1' });
      assert.equal(bridge.id, 'astbill-bridge-1');
      await rig.ari.bridges.addChannel({ bridgeId: bridge.id, channel: [a.channelId, b.id] });
      const setAt = rig.sim.clock.now();
      await rig.ari.channels.setChannelVar({
        channelId: a.channelId,
        variable: 'TIMEOUT(absolute)',
        value: '3600',
      });
      assert.equal(rig.sim.channel(a.channelId)?.absoluteDeadline, setAt + 3_600_000);
      rig.sim.manualClock.advance(1000);
      const left = await rig.ari.channels.getChannelVar({
        channelId: a.channelId,
        variable: 'TIMEOUT(absolute)',
      });
      assert.equal(left.value, '3599.000');
      rig.sim.manualClock.advance(3_599_000);
      const ended = rig.sim.ended(a.channelId);
      assert.equal(ended?.hungUpBy, 'timeout');
      assert.equal(ended?.cause, 16);
      assert.equal(ended?.endedAt, setAt + 3_600_000);
      assert.ok(rig.sim.channel(b.id), 'the other leg stays up');
      assert.deepEqual((await rig.ari.bridges.get({ bridgeId: bridge.id })).channels, [b.id]);
    });

    it('re-setting TIMEOUT(absolute) replaces the deadline', async () => {
      const a = rig.sim.placeCall({ exten: '1', tech: 'Local' });
      await rig.ari.channels.answer({ channelId: a.channelId });
      await rig.ari.channels.setChannelVar({
        channelId: a.channelId,
        variable: 'TIMEOUT(absolute)',
        value: '4',
      });
      rig.sim.manualClock.advance(2000);
      await rig.ari.channels.setChannelVar({
        channelId: a.channelId,
        variable: 'TIMEOUT(absolute)',
        value: '6',
      });
      rig.sim.manualClock.advance(5999);
      assert.ok(rig.sim.channel(a.channelId));
      rig.sim.manualClock.advance(1);
      assert.equal(rig.sim.ended(a.channelId)?.cause, 0, 'unbridged: cause 0');
    });
  });

  describe('when the app plays prompts', () => {
    it('reports started and finished, failed for a missing sound, done when stopped', async () => {
      const a = rig.sim.placeCall({ exten: '1' });
      await rig.ari.channels.answer({ channelId: a.channelId });
      const seen = collect(rig, 'PlaybackStarted', 'PlaybackFinished');
      const p1 = await rig.ari.channels.play({ channelId: a.channelId, media: 'sound:vm-goodbye' });
      assert.equal(p1.state, 'queued');
      rig.sim.manualClock.advance(880);
      await rig.ari.channels.play({ channelId: a.channelId, media: 'sound:not-there' });
      rig.sim.manualClock.advance(10);
      const p3 = await rig.ari.channels.play({
        channelId: a.channelId,
        media: ['digits:12', 'sound:beep'],
      });
      assert.equal(p3.next_media_uri, 'sound:beep');
      await rig.ari.playbacks.stop({ playbackId: p3.id });
      await caughtUp(rig, seen);
      assert.deepEqual(
        seen.map((e) => `${e.type}:${e.state}`),
        [
          'PlaybackStarted:playing',
          'PlaybackFinished:done',
          'PlaybackStarted:playing',
          'PlaybackFinished:failed',
          'PlaybackStarted:playing',
          'PlaybackFinished:done',
        ],
      );
      await assert.rejects(rig.ari.playbacks.get({ playbackId: p3.id }), /Playback not found/);
    });
  });

  describe('when the app websocket drops', () => {
    it('keeps channels up, discards events meanwhile and refuses new calls until the app is back', async () => {
      const a = rig.sim.placeCall({ exten: '1' });
      await rig.ari.channels.answer({ channelId: a.channelId });
      rig.sim.dropWebsockets('astbill');
      await rig.sim.waitUntil(() => !rig.sim.appConnected('astbill'));
      const refused = rig.sim.placeCall({ exten: '2' });
      assert.equal(refused.enteredStasis, false);
      assert.equal(rig.sim.failedStasisCalls()[0]?.reason, 'inactive-app');
      rig.sim.sendDtmf(a.channelId, '5');
      rig.sim.manualClock.advance(10);
      assert.equal(rig.sim.sentEvents('astbill').at(-1)?.delivered, false);
      assert.ok(rig.sim.channel(a.channelId), 'the call survives the drop');
      await rig.sim.waitUntil(() => rig.sim.appConnected('astbill')); // ari-client reconnects by itself
    });
  });

  describe('the events the simulator sends', () => {
    it('are all modelled in its events.json (ari-client crashes on unmodelled events)', async () => {
      const observer = await client.connect(rig.sim.url, 'astbill', 'astbill');
      await observer.start('observer', true);
      const ends = collect(rig, 'StasisEnd', 'ChannelDestroyed', 'BridgeDestroyed');
      const a = rig.sim.placeCall({
        exten: '1',
        tech: 'Local',
        dtmf: '1',
        callerId: 'Alice <1001>',
      });
      await rig.ari.channels.answer({ channelId: a.channelId });
      const b = await rig.ari.channels.originate({
        endpoint: 'Local/15551234@pstn-sim',
        app: 'astbill',
        originator: a.channelId,
      });
      const br = await rig.ari.bridges.create({ type: 'mixing' });
      await rig.ari.bridges.addChannel({ bridgeId: br.id, channel: [a.channelId, b.id] });
      await rig.ari.channels.play({ channelId: a.channelId, media: 'digits:1,sound:beep' });
      await rig.ari.channels.originate({ endpoint: 'Local/3000@pstn-sim', app: 'astbill' });
      rig.sim.manualClock.advance(10_000);
      await rig.ari.channels.hangup({ channelId: b.id });
      await rig.ari.bridges.destroy({ bridgeId: br.id });
      rig.sim.hangupCaller(a.channelId);
      await caughtUp(rig, ends); // the client took every event without crashing
      const models = (
        (await raw(rig.sim, 'GET', '/ari/api-docs/events.json')).body as {
          models: Record<string, unknown>;
        }
      ).models;
      const sentTypes = new Set(rig.sim.sentEvents().map((s) => s.event.type));
      for (const t of sentTypes) assert.ok(models[t], `${t} is modelled`);
      for (const t of [
        'StasisStart',
        'StasisEnd',
        'Dial',
        'ChannelCreated',
        'BridgeCreated',
        'PlaybackContinuing',
        'ChannelDtmfReceived',
        'ChannelCallerId',
      ]) {
        assert.ok(sentTypes.has(t), `${t} was exercised`);
      }
      observer.stop();
    });
  });
});

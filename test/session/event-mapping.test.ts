/**
 * ARI events → call events, with payloads shaped like the ones a real Asterisk 22.10.1 sends
 * (docs/architecture.md, "Facts about Asterisk"): written here as small objects, not copied files.
 */
import assert from 'node:assert/strict';
import {
  AriEventTranslator,
  ORIGINATED_LEG_ARG,
  endpointOf,
  failureForCause,
  parseAriTime,
} from '../../daemon/src/ari/events.js';
import type { CallEvent } from '../../daemon/src/session/call-events.js';

const T0 = Date.parse('2026-11-21T23:39:40.000Z');
const ts = (ms: number): string => new Date(T0 + ms).toISOString().replace('Z', '+0000');

function channel(
  id: string,
  name: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    name,
    state: 'Up',
    protocol_id: '',
    caller: { name: '', number: '' },
    connected: { name: '', number: '' },
    accountcode: '',
    dialplan: {
      context: 'pstn-sim',
      exten: '3000',
      priority: 1,
      app_name: 'AppDial2',
      app_data: '(Outgoing Line)',
    },
    creationtime: ts(0),
    language: 'en',
    ...extra,
  };
}

const ev = (
  type: string,
  at: number,
  fields: Record<string, unknown>,
): Record<string, unknown> => ({
  type,
  timestamp: ts(at),
  asterisk_id: '02:fc:00:00:00:01',
  application: 'astbill',
  ...fields,
});

const B1 = 'astbill-n1-x-1';
const B2 = 'astbill-n1-x-1-2';
const b1 = channel(B1, 'Local/3000@pstn-sim-0000001d;1', { state: 'Down' });
const b2 = channel(B2, 'Local/3000@pstn-sim-0000001d;2', { state: 'Ring' });

function run(t: AriEventTranslator, events: Record<string, unknown>[]): CallEvent[] {
  return events.flatMap((e) => t.translate(e));
}

describe('ARI event mapping', () => {
  describe('when a call enters Stasis from the dialplan', () => {
    it('offers a call with caller ID, accountcode, endpoint name and the dialled number from the first app arg', () => {
      const t = new AriEventTranslator();
      const [offered] = t.translate(
        ev('StasisStart', 0, {
          args: ['20001'],
          channel: channel('1795304500.90', 'IAX2/alice-8046', {
            state: 'Ring',
            caller: { name: 'Alice', number: '1001' },
            accountcode: 'alice',
            dialplan: {
              context: 'billing-in',
              exten: '20001',
              priority: 3,
              app_name: 'Stasis',
              app_data: 'astbill,20001',
            },
          }),
        }),
      );
      assert.deepEqual(offered, {
        kind: 'offered',
        at: new Date(T0),
        channelId: '1795304500.90',
        channelName: 'IAX2/alice-8046',
        callerNumber: '1001',
        callerName: 'Alice',
        accountcode: 'alice',
        technology: 'IAX2',
        endpointResource: 'alice',
        dialled: '20001',
      });
    });

    it('takes the dialplan extension when Stasis() had no argument', () => {
      const t = new AriEventTranslator();
      const [offered] = t.translate(
        ev('StasisStart', 0, {
          args: [],
          channel: channel('1.2', 'Local/12345@billing-in-00000026;2', {
            dialplan: { context: 'billing-in', exten: '12345', priority: 2 },
          }),
        }),
      );
      assert.equal(offered?.kind, 'offered');
      if (offered?.kind !== 'offered') return;
      assert.equal(offered.dialled, '12345');
      assert.equal(offered.endpointResource, null, 'a Local channel names no device');
    });

    it('ends the inbound leg at the first of hangup request, StasisEnd, destroyed; soft hangup flags are not causes', () => {
      const t = new AriEventTranslator();
      const a = channel('1.3', 'PJSIP/alice-00000001');
      const out = run(t, [
        ev('ChannelHangupRequest', 10, { cause: 32, soft: true, channel: a }),
        ev('StasisEnd', 11, { channel: a }),
        ev('ChannelHangupRequest', 12, { channel: a }), // IAX2 phone hangup: no cause at all
        ev('ChannelDestroyed', 13, { cause: 16, cause_txt: 'Normal Clearing', channel: a }),
      ]);
      assert.deepEqual(
        out.map((e) => e.kind === 'leg-ended' && [e.source, e.cause, e.at.getTime() - T0]),
        [
          ['hangup-request', null, 10],
          ['stasis-end', null, 11],
          ['hangup-request', null, 12],
          ['destroyed', 16, 13],
        ],
      );
    });
  });

  describe('when an originated B leg', () => {
    it('answers: one leg-answered at the Dial ANSWER time, on its StasisStart (ready to bridge)', () => {
      const t = new AriEventTranslator();
      t.expectLeg(B1, B2);
      const out = run(t, [
        ev('Dial', 3, { dialstatus: '', dialstring: '15551234@pstn-sim', forward: '', peer: b1 }),
        ev('ChannelStateChange', 4, { channel: b2 }),
        ev('Dial', 4, {
          dialstatus: 'ANSWER',
          dialstring: '15551234@pstn-sim',
          forward: '',
          peer: b1,
        }),
        ev('ChannelVarset', 4, { variable: 'STASISSTATUS', value: '', channel: b1 }),
        ev('StasisStart', 5, { args: [ORIGINATED_LEG_ARG], channel: b1 }),
        ev('StasisStart', 5, { args: [ORIGINATED_LEG_ARG], channel: b1 }), // duplicated
      ]);
      assert.deepEqual(out, [{ kind: 'leg-answered', at: new Date(T0 + 4), channelId: B1 }]);
    });

    it('is busy: BUSY from the Dial status, cause 17, although our `;1` half is destroyed with cause 0', () => {
      const t = new AriEventTranslator();
      t.expectLeg(B1, B2);
      const out = run(t, [
        ev('Dial', 3, { dialstatus: '', peer: b1 }),
        ev('Dial', 3, { dialstatus: 'BUSY', peer: b1 }),
        ev('ChannelHangupRequest', 3, { cause: 0, channel: b2 }),
        ev('ChannelDestroyed', 3, { cause: 0, cause_txt: 'Unknown', channel: b1 }),
        ev('ChannelHangupRequest', 3, { cause: 16, soft: true, channel: b2 }),
        ev('ChannelDestroyed', 3, { cause: 17, cause_txt: 'User busy', channel: b2 }),
      ]);
      assert.deepEqual(out, [
        { kind: 'leg-failed', at: new Date(T0 + 3), channelId: B1, failure: 'BUSY', cause: 17 },
      ]);
    });

    it('is congested: CONGESTION, cause 34', () => {
      const t = new AriEventTranslator();
      t.expectLeg(B1, B2);
      const out = run(t, [
        ev('Dial', 3, { dialstatus: 'CONGESTION', peer: b1 }),
        ev('ChannelDestroyed', 3, { cause: 0, channel: b1 }),
        ev('ChannelDestroyed', 3, { cause: 34, channel: b2 }),
      ]);
      assert.deepEqual(out, [
        {
          kind: 'leg-failed',
          at: new Date(T0 + 3),
          channelId: B1,
          failure: 'CONGESTION',
          cause: 34,
        },
      ]);
    });

    it('rings out (originate timeout): no NOANSWER Dial event, NO ANSWER from cause 19 on the `;2` hangup request', () => {
      const t = new AriEventTranslator();
      t.expectLeg(B1, B2);
      const out = run(t, [
        ev('Dial', 1, { dialstatus: '', peer: b1 }),
        ev('ChannelStateChange', 1, { channel: { ...b1, state: 'Ringing' } }),
        ev('Dial', 1, { dialstatus: 'RINGING', peer: b1 }),
        ev('ChannelHangupRequest', 5001, { cause: 19, channel: b2 }),
        ev('ChannelDestroyed', 5001, { cause: 19, channel: b1 }),
        ev('ChannelDestroyed', 5001, { cause: 19, channel: b2 }),
      ]);
      assert.deepEqual(out, [
        {
          kind: 'leg-failed',
          at: new Date(T0 + 5001),
          channelId: B1,
          failure: 'NO ANSWER',
          cause: 19,
        },
      ]);
      assert.equal(t.rememberedLegs, 0, 'both halves destroyed: nothing remembered');
    });

    it('is unroutable: both halves destroyed with cause 0 and no Dial event → unavailable', () => {
      const t = new AriEventTranslator();
      t.expectLeg(B1, B2);
      const out = run(t, [
        ev('ChannelDestroyed', 1, { cause: 0, channel: b2 }),
        ev('ChannelDestroyed', 1, { cause: 0, channel: b1 }),
      ]);
      assert.deepEqual(out[0], {
        kind: 'leg-failed',
        at: new Date(T0 + 1),
        channelId: B1,
        failure: 'CHANUNAVAIL',
        cause: null,
      });
    });

    it('is hung up by the app while ringing (caller abandoned): NOANSWER Dial, once', () => {
      const t = new AriEventTranslator();
      t.expectLeg(B1, B2);
      const out = run(t, [
        ev('ChannelHangupRequest', 10, { cause: 32, soft: true, channel: b1 }),
        ev('Dial', 10, { dialstatus: 'NOANSWER', peer: b1 }),
        ev('ChannelHangupRequest', 10, { cause: 16, channel: b2 }),
        ev('ChannelDestroyed', 10, { cause: 16, channel: b1 }),
      ]);
      assert.deepEqual(out, [
        {
          kind: 'leg-failed',
          at: new Date(T0 + 10),
          channelId: B1,
          failure: 'NO ANSWER',
          cause: 19,
        },
      ]);
    });

    it('ends after the answer: only our `;1` half reports, with Asterisk’s timestamp and cause', () => {
      const t = new AriEventTranslator();
      t.expectLeg(B1, B2);
      run(t, [ev('StasisStart', 0, { args: [ORIGINATED_LEG_ARG], channel: b1 })]);
      const out = run(t, [
        ev('ChannelHangupRequest', 95000, { cause: 16, soft: true, channel: b2 }),
        ev('ChannelHangupRequest', 95000, { cause: 16, channel: b1 }),
        ev('ChannelDestroyed', 95000, { cause: 16, channel: b2 }),
        ev('StasisEnd', 95001, { channel: b1 }),
        ev('ChannelDestroyed', 95001, { cause: 16, channel: b1 }),
      ]);
      assert.deepEqual(
        out.map(
          (e) => e.kind === 'leg-ended' && [e.channelId, e.source, e.cause, e.at.getTime() - T0],
        ),
        [
          [B1, 'hangup-request', 16, 95000],
          [B1, 'stasis-end', null, 95001],
          [B1, 'destroyed', 16, 95001],
        ],
      );
    });
  });

  describe('robustness', () => {
    it('ignores unknown event types, missing channels and bad digits, and reports them', () => {
      const problems: string[] = [];
      const t = new AriEventTranslator((m) => problems.push(m));
      assert.deepEqual(t.translate({ type: 'ChannelFrobnicated', timestamp: ts(0) }), []);
      assert.deepEqual(t.translate(ev('StasisStart', 0, {})), []);
      assert.deepEqual(
        t.translate(
          ev('ChannelDtmfReceived', 0, { digit: 'x', channel: channel('1.9', 'PJSIP/a-1') }),
        ),
        [],
      );
      assert.deepEqual(t.translate(null), []);
      assert.equal(problems.length, 4);
    });

    it('drops the PJSIP ChannelVarset flood (29 per call) on the event type alone', () => {
      const problems: string[] = [];
      const t = new AriEventTranslator((m) => problems.push(m));
      for (const variable of ['BRIDGEPEER', 'BRIDGEPVTCALLID', 'RTPAUDIOQOS', 'STASISSTATUS']) {
        const read: string[] = [];
        const payload = new Proxy(
          ev('ChannelVarset', 0, { variable, value: '', channel: channel('1.9', 'PJSIP/a-1') }),
          {
            get(target, key, receiver) {
              read.push(String(key));
              return Reflect.get(target, key, receiver) as unknown;
            },
          },
        );
        assert.deepEqual(t.translate(payload), []);
        assert.deepEqual(read, ['type'], `${variable}: nothing but the type is read`);
      }
      assert.deepEqual(problems, []);
    });

    it('uses local time when the timestamp is missing', () => {
      const t = new AriEventTranslator(
        () => undefined,
        () => new Date(42),
      );
      const [e] = t.translate({ type: 'StasisEnd', channel: channel('1.9', 'PJSIP/a-1') });
      assert.equal(e?.at.getTime(), 42);
    });

    it('maps digits and playback ends', () => {
      const t = new AriEventTranslator();
      const a = channel('1.4', 'PJSIP/alice-1');
      assert.deepEqual(
        t.translate(ev('ChannelDtmfReceived', 7, { digit: '#', duration_ms: 100, channel: a })),
        [{ kind: 'digit', at: new Date(T0 + 7), channelId: '1.4', digit: '#' }],
      );
      assert.deepEqual(
        t.translate(
          ev('PlaybackFinished', 8, {
            playback: {
              id: 'p1',
              media_uri: 'sound:x',
              target_uri: 'channel:1.4',
              language: 'en',
              state: 'failed',
            },
          }),
        ),
        [
          {
            kind: 'playback-finished',
            at: new Date(T0 + 8),
            playbackId: 'p1',
            channelId: '1.4',
            failed: true,
          },
        ],
      );
    });
  });

  describe('helpers', () => {
    it('parses Asterisk timestamps', () => {
      assert.equal(
        parseAriTime('2026-11-21T23:39:40.024+0000')?.toISOString(),
        '2026-11-21T23:39:40.024Z',
      );
      assert.equal(
        parseAriTime('2026-11-21T23:39:40.024+0100')?.toISOString(),
        '2026-11-21T22:39:40.024Z',
      );
      assert.equal(parseAriTime('yesterday'), null);
    });

    it('reads the device name of a channel', () => {
      assert.deepEqual(endpointOf('PJSIP/alice-00000001'), {
        technology: 'PJSIP',
        resource: 'alice',
      });
      assert.deepEqual(endpointOf('SIP/bob-smith-0000000a'), {
        technology: 'SIP',
        resource: 'bob-smith',
      });
      assert.deepEqual(endpointOf('Local/1@x-00000026;2'), { technology: 'Local', resource: null });
    });

    it('reads hangup causes of unanswered legs as dispositions', () => {
      assert.equal(failureForCause(17), 'BUSY');
      assert.equal(failureForCause(19), 'NO ANSWER');
      assert.equal(failureForCause(34), 'CONGESTION');
      assert.equal(failureForCause(0), 'CHANUNAVAIL');
      assert.equal(failureForCause(null), 'CHANUNAVAIL');
    });
  });
});

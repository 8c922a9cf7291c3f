/**
 * Inbound calls, injected as a phone reaching `Stasis(app,exten)` through the dialplan would:
 * the channel arrives in state Ring with caller ID, accountcode and dialplan location; DTMF can be
 * typed after the app answers; the phone can hang up after a while. When the app has no websocket
 * the call fails as Asterisk's does (STASISSTATUS=FAILED, hung up, the app hears nothing).
 */
import type { SimEngine } from './engine.js';
import type { CallerId, SimChannel } from './model.js';
import {
  createChannel,
  createLocalPair,
  enterStasis,
  hangupRequest,
  partner,
  setState,
  varset,
} from './channels.js';
import { farTeardown } from './hangups.js';
import { CAUSE } from './causes.js';
import { sipCallId } from './sip-media.js';
import { AriError } from './errors.js';

export interface PlaceCallOptions {
  /** Stasis app named in the dialplan (default 'astbill'). */
  app?: string;
  /** Dialled extension, passed as ${EXTEN} and, by default, as the only app arg. */
  exten: string;
  args?: string[];
  /** 'Alice <1001>' or { name, number }. */
  callerId?: string | CallerId;
  accountcode?: string;
  /** Channel technology of the phone; 'Local' gives a `;1`/`;2` pair like the recordings. Default 'PJSIP'. */
  tech?: 'PJSIP' | 'SIP' | 'IAX2' | 'Local';
  /** Peer/endpoint name used in the channel name (default 'alice'). */
  peer?: string;
  context?: string;
  channelId?: string;
  variables?: Record<string, string>;
  /** Digits the caller types once the app has answered. */
  dtmf?: string;
  /** Delay from answer to the first digit (default 1200 ms, as measured after Wait(1)). */
  dtmfAfterMs?: number;
  /** The caller hangs up this long after the call was placed; null/absent = never. */
  hangupAfterMs?: number | null;
  hangupCause?: number;
}

export interface CallHandle {
  /** The channel the app sees in StasisStart. */
  channelId: string;
  name: string;
  /** Local calls: the caller-side `;1` half. */
  callerHalfId?: string;
  /** False when the app was not connected and the call failed in the dialplan. */
  enteredStasis: boolean;
}

export const DTMF_GAP_MS = 351;
export const DTMF_DURATION_MS = 100;

/** Digits waiting for the app to answer, per channel. */
const pendingDtmf = new WeakMap<SimChannel, { digits: string; afterMs: number }>();

export function placeCall(sim: SimEngine, o: PlaceCallOptions): CallHandle {
  const app = o.app ?? 'astbill';
  const tech = o.tech ?? 'PJSIP';
  const context = o.context ?? 'billing-in';
  const args = o.args ?? [o.exten];
  const caller =
    typeof o.callerId === 'string' ? parseId(o.callerId) : (o.callerId ?? { name: '', number: '' });
  const accountcode = o.accountcode ?? '';
  const priority = tech === 'Local' ? 2 : 3;
  const dialplan = {
    context,
    exten: o.exten,
    priority,
    app_name: 'Stasis',
    app_data: [app, ...args].join(','),
  };
  let ch: SimChannel;
  let half: SimChannel | undefined;
  if (tech === 'Local') {
    const pair = createLocalPair(
      sim,
      `${o.exten}@${context}`,
      {
        state: 'Down',
        kind: 'half',
        runsDialplan: true,
        dialplan: {
          context: 'caller-sim',
          exten: 's',
          priority: 1,
          app_name: 'AppDial',
          app_data: '(Outgoing Line)',
        },
        number: o.exten,
        role: 'A-caller',
        caller,
        accountcode,
      },
      {
        id: o.channelId,
        state: 'Ring',
        kind: 'inbound',
        runsDialplan: true,
        dialplan,
        number: o.exten,
        role: 'A',
        caller,
        accountcode,
      },
    );
    ch = pair.two;
    half = pair.one;
  } else {
    const peer = o.peer ?? 'alice';
    const suffix =
      tech === 'IAX2'
        ? String(1 + Number.parseInt(sim.nextNameSuffix(), 16))
        : sim.nextNameSuffix();
    ch = createChannel(sim, {
      id: o.channelId,
      name: `${tech}/${peer}-${suffix}`,
      tech,
      state: 'Ring',
      kind: 'inbound',
      runsDialplan: true,
      dialplan,
      number: o.exten,
      role: 'A',
      caller,
      accountcode,
    });
    if (tech === 'PJSIP') ch.callId = sipCallId(ch.id, true);
  }
  for (const [k, v] of Object.entries(o.variables ?? {})) ch.vars.set(k, v);

  if (!sim.apps.isActive(app)) {
    // Stasis() fails, the dialplan goes on to Hangup(): cause 16 on both halves.
    const reason = sim.apps.get(app) ? 'inactive-app' : 'unknown-app';
    sim.failedStasis.push({ channelId: ch.id, app, at: sim.clock.now(), reason });
    varset(sim, ch, 'STASISSTATUS', 'FAILED');
    hangupRequest(sim, ch, { cause: CAUSE.NORMAL_CLEARING });
    if (half) hangupRequest(sim, half, { cause: CAUSE.NORMAL_CLEARING });
    sim.destroy(ch, CAUSE.NORMAL_CLEARING, 'dialplan');
    if (half) sim.destroy(half, CAUSE.NORMAL_CLEARING, 'dialplan');
    return handle(ch, half, false);
  }
  enterStasis(sim, ch, app, args);
  if (o.dtmf) pendingDtmf.set(ch, { digits: o.dtmf, afterMs: o.dtmfAfterMs ?? 1200 });
  if (o.hangupAfterMs !== undefined && o.hangupAfterMs !== null) {
    const cause = o.hangupCause ?? CAUSE.NORMAL_CLEARING;
    sim.schedule(ch, o.hangupAfterMs, () => hangupCaller(sim, ch.id, cause));
  }
  return handle(ch, half, true);
}

function handle(ch: SimChannel, half: SimChannel | undefined, entered: boolean): CallHandle {
  const h: CallHandle = { channelId: ch.id, name: ch.name, enteredStasis: entered };
  if (half) h.callerHalfId = half.id;
  return h;
}

function parseId(text: string): CallerId {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$/.exec(text);
  return m ? { name: m[1] ?? '', number: m[2] ?? '' } : { name: '', number: text.trim() };
}

/** POST /channels/{id}/answer: Ring -> Up (the Local caller half follows), then typed-ahead DTMF starts. */
export function answer(sim: SimEngine, ch: SimChannel): void {
  if (ch.state === 'Up') return;
  setState(sim, ch, 'Up');
  const half = partner(sim, ch);
  if (half && half.kind === 'half') setState(sim, half, 'Up');
  const dtmf = pendingDtmf.get(ch);
  if (dtmf) {
    pendingDtmf.delete(ch);
    sendDtmf(sim, ch.id, dtmf.digits, { delayMs: dtmf.afterMs });
  }
}

/** The caller presses keys: one ChannelDtmfReceived per digit, ~351 ms apart, 100 ms long. */
export function sendDtmf(
  sim: SimEngine,
  channelId: string,
  digits: string,
  opts: { delayMs?: number; gapMs?: number; durationMs?: number } = {},
): void {
  const ch = sim.channel(channelId);
  const gap = opts.gapMs ?? DTMF_GAP_MS;
  const duration = opts.durationMs ?? DTMF_DURATION_MS;
  [...digits].forEach((digit, i) => {
    if (!/^[0-9A-D*#]$/i.test(digit)) throw AriError.badRequest(`Invalid DTMF digit '${digit}'`);
    sim.schedule(ch, (opts.delayMs ?? 0) + i * gap, () =>
      sim.publishChannel(ch, 'ChannelDtmfReceived', {
        digit: digit.toUpperCase(),
        duration_ms: duration,
      }),
    );
  });
}

/** The phone hangs up (cause 16 unless given). */
export function hangupCaller(
  sim: SimEngine,
  channelId: string,
  cause: number = CAUSE.NORMAL_CLEARING,
): void {
  const ch = sim.channels.get(channelId);
  if (!ch || ch.ending) return;
  const half = partner(sim, ch);
  farTeardown(sim, half && half.kind === 'half' ? half : ch, cause, 'ari', 'caller');
}

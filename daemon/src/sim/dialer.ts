/**
 * ARI originate and the dialled party's behaviour. A Local endpoint gives a `;1`/`;2` pair whose
 * `;2` runs the far end's "dialplan" from the rules table; SIP/IAX2/DAHDI endpoints give one channel
 * with the same events minus those of the `;2` half. Events that follow at once are emitted before
 * the HTTP answer is written, as fast failures from a real Asterisk can be.
 */
import type { SimEngine } from './engine.js';
import type { ChannelJson, SimChannel } from './model.js';
import {
  createChannel,
  createLocalPair,
  dialplanStep,
  enterStasis,
  hangupRequest,
  parseCallerId,
  setState,
  subscribe,
  varset,
} from './channels.js';
import { parseEndpoint, type ParsedEndpoint } from './endpoints.js';
import { matchRule, type FarEndRule } from './far-ends.js';
import { farTeardown, ringTimeout } from './hangups.js';
import { setAbsoluteTimeout, TIMEOUT_ABSOLUTE } from './variables.js';
import { AriError } from './errors.js';
import { CAUSE, SOFT } from './causes.js';
import { passCallerId, sipCallId } from './sip-media.js';

/** Asterisk's Answer() waits about 500 ms before the dialplan moves on (seen as ChannelDialplan). */
const ANSWER_SETTLE_MS = 500;

export interface OriginateParams {
  endpoint: string;
  app?: string;
  appArgs?: string;
  context?: string;
  extension?: string;
  priority?: number;
  callerId?: string;
  timeout?: number;
  variables?: Record<string, string>;
  channelId?: string;
  otherChannelId?: string;
  originator?: string;
}

export function originate(
  sim: SimEngine,
  p: OriginateParams,
): { channel: SimChannel; snapshot: ChannelJson } {
  const ep = parseEndpoint(p.endpoint);
  let originator: SimChannel | undefined;
  if (p.originator !== undefined && p.originator !== '') {
    originator = sim.channels.get(p.originator);
    if (!originator) throw AriError.badRequest('Provided originator channel was not found');
  }
  if (p.channelId !== undefined && sim.channels.has(p.channelId)) {
    throw AriError.conflict('Channel with given unique ID already exists');
  }
  const callerId = parseCallerId(p.callerId) ?? (originator ? { ...originator.caller } : undefined);
  const accountcode = originator?.accountcode ?? '';
  const linkedid = originator?.linkedid;
  const args = p.appArgs !== undefined && p.appArgs !== '' ? p.appArgs.split(',') : [];
  const dialstring = ep.resource;
  const rule = matchRule(sim.rules, ep.number);
  const outDialplan = {
    context: ep.context,
    exten: ep.number,
    priority: 1,
    app_name: 'AppDial2',
    app_data: '(Outgoing Line)',
  };

  let b: SimChannel;
  let far: SimChannel | undefined;
  if (ep.tech === 'Local') {
    const pair = createLocalPair(
      sim,
      ep.resource,
      {
        id: p.channelId,
        state: 'Down',
        kind: 'outbound',
        runsDialplan: false,
        dialplan: outDialplan,
        number: ep.number,
        role: 'B',
        accountcode,
        connected: originator ? { ...originator.caller } : undefined,
        caller: p.callerId ? callerId : undefined,
        linkedid,
      },
      {
        id: p.otherChannelId,
        state: 'Ring',
        kind: 'half',
        runsDialplan: true,
        dialplan: {
          context: ep.context,
          exten: ep.number,
          priority: 1,
          app_name: '',
          app_data: '',
        },
        number: ep.number,
        role: 'B-far',
        accountcode,
        caller: callerId,
        linkedid,
      },
    );
    b = pair.one;
    far = pair.two;
  } else {
    b = createChannel(sim, {
      id: p.channelId,
      name: `${ep.tech}/${ep.peerName}-${sim.nextNameSuffix()}`,
      tech: ep.tech,
      state: 'Down',
      kind: 'outbound',
      runsDialplan: false,
      dialplan: { ...outDialplan, context: 'default', exten: 's' },
      number: ep.number,
      role: 'B',
      accountcode,
      caller: callerId,
      connected: originator ? { ...originator.caller } : undefined,
      linkedid,
    });
    if (ep.tech === 'PJSIP') b.callId = sipCallId(b.id, false);
  }
  if (p.app) {
    subscribe(sim, p.app, b);
    if (far) subscribe(sim, p.app, far);
    b.dial = { app: p.app, appArgs: args, dialstring, status: '' };
  } else {
    b.dial = { appArgs: [], dialstring, status: '' };
  }
  for (const [k, v] of Object.entries(p.variables ?? {})) {
    if (k === TIMEOUT_ABSOLUTE) setAbsoluteTimeout(sim, b, v);
    else b.vars.set(k, String(v));
  }

  const snapshot = sim.channelJson(b);
  startDial(sim, b, far, ep, rule, p.timeout, p.variables ?? {});
  return { channel: b, snapshot };
}

function dialEvent(sim: SimEngine, b: SimChannel, dialstatus: string, dialstring: string): void {
  const receivers = sim.channelReceivers(b);
  if (receivers.size > 0)
    sim.publish(
      'Dial',
      { dialstatus, forward: '', dialstring, peer: sim.channelJson(b) },
      receivers,
    );
}

function startDial(
  sim: SimEngine,
  b: SimChannel,
  far: SimChannel | undefined,
  ep: ParsedEndpoint,
  rule: FarEndRule | undefined,
  timeoutSec: number | undefined,
  variables: Record<string, string>,
): void {
  const dialstring = ep.resource;
  if (far && !rule) {
    // No such extension in the far end's context: both halves vanish, cause 0, no Dial event.
    b.dial = undefined;
    sim.destroy(far, CAUSE.UNKNOWN, 'dialplan');
    sim.destroy(b, CAUSE.UNKNOWN, 'dialplan');
    return;
  }
  const action = atChannelLimit(sim, b, rule) ? 'congestion' : (rule?.action ?? 'unavailable');
  if (far) {
    if (far.caller.number !== '' && b.connected.number !== '') {
      sim.publishChannel(far, 'ChannelCallerId', {
        caller_presentation: 1,
        caller_presentation_txt: 'Presentation Allowed, Passed Screen',
      });
    }
    for (const [k, v] of Object.entries(variables)) {
      if (k !== TIMEOUT_ABSOLUTE) varset(sim, far, k, String(v));
    }
  }
  dialEvent(sim, b, '', dialstring);

  const ringFirst =
    action === 'noanswer' ||
    (action === 'answer' ? (rule?.answerAfterMs ?? 0) > 0 : (rule?.ringMs ?? 0) > 0);
  if (ringFirst) ring(sim, b, far, dialstring, action === 'noanswer');

  const timeoutMs =
    timeoutSec === undefined ? 30_000 : timeoutSec < 0 ? undefined : timeoutSec * 1000;
  if (timeoutMs !== undefined && (action === 'noanswer' || action === 'answer')) {
    sim.schedule(b, timeoutMs, () => {
      if (b.dial) ringTimeout(sim, b);
    });
  }
  switch (action) {
    case 'answer': {
      const after = rule?.answerAfterMs ?? 0;
      if (after === 0) answerFarEnd(sim, b, far, rule);
      else sim.schedule(b, after, () => b.dial && answerFarEnd(sim, b, far, rule));
      break;
    }
    case 'noanswer':
      break;
    default: {
      const ringMs = rule?.ringMs ?? 0;
      const run = (): void => failDial(sim, b, far, action);
      if (ringMs === 0) run();
      else sim.schedule(b, ringMs, () => b.dial && run());
    }
  }
}

function ring(
  sim: SimEngine,
  b: SimChannel,
  far: SimChannel | undefined,
  dialstring: string,
  forever: boolean,
): void {
  if (far) dialplanStep(sim, far, 'Ringing', '');
  setState(sim, b, 'Ringing');
  if (far && forever) dialplanStep(sim, far, 'Wait', '3600', 2);
  if (b.dial) b.dial.status = 'RINGING';
  dialEvent(sim, b, 'RINGING', dialstring);
}

function answerFarEnd(
  sim: SimEngine,
  b: SimChannel,
  far: SimChannel | undefined,
  rule: FarEndRule | undefined,
): void {
  const dial = b.dial;
  if (!dial) return;
  if (far) {
    dialplanStep(sim, far, 'Answer', '', far.dialplan.app_name === 'Ringing' ? 2 : 1);
    setState(sim, far, 'Up');
  }
  setState(sim, b, 'Up');
  dialEvent(sim, b, 'ANSWER', dial.dialstring);
  b.dial = undefined;
  if (dial.app) {
    b.dialplan = {
      ...b.dialplan,
      app_name: 'Stasis',
      app_data: [dial.app, ...dial.appArgs].join(','),
    };
    varset(sim, b, 'STASISSTATUS', '');
    if (sim.apps.isActive(dial.app)) {
      enterStasis(sim, b, dial.app, dial.appArgs);
    }
  }
  const hangupAfter = rule?.hangupAfterMs ?? null;
  const target = far ?? b;
  if (far) {
    const answerPriority = far.dialplan.priority;
    sim.schedule(far, ANSWER_SETTLE_MS, () => {
      dialplanStep(
        sim,
        far,
        'Wait',
        hangupAfter === null ? '3600' : String(Math.round(hangupAfter / 1000)),
        answerPriority + 1,
      );
      passCallerId(sim, far);
    });
  }
  if (hangupAfter !== null) {
    sim.schedule(target, hangupAfter, () =>
      farTeardown(sim, target, CAUSE.NORMAL_CLEARING, 'dialplan', 'far-end'),
    );
  }
}

/** A rule with `maxChannels`: this many B legs it matched are up already (a carrier at its limit). */
function atChannelLimit(sim: SimEngine, b: SimChannel, rule: FarEndRule | undefined): boolean {
  if (rule?.maxChannels === undefined) return false;
  let up = 0;
  for (const ch of sim.channels.values())
    if (ch !== b && ch.role === 'B' && !ch.ending && matchRule(sim.rules, ch.number) === rule) up++;
  return up >= rule.maxChannels;
}

/** `sip`: the status a PJSIP carrier answers with, carried as tech_cause (pjsip-b-* recordings). */
const FAILURES = {
  busy: { status: 'BUSY', cause: CAUSE.USER_BUSY, app: 'Busy', data: '10', sip: 486 },
  congestion: {
    status: 'CONGESTION',
    cause: CAUSE.CONGESTION,
    app: 'Congestion',
    data: '5',
    sip: 503,
  },
  unavailable: {
    status: 'CHANUNAVAIL',
    cause: CAUSE.SUBSCRIBER_ABSENT,
    app: 'Hangup',
    data: '20',
    sip: 480,
  },
  // A carrier's 404 and 603 arrive as dialstatus NOANSWER with causes 1 and 21.
  notfound: { status: 'NOANSWER', cause: CAUSE.UNALLOCATED, app: 'Hangup', data: '1', sip: 404 },
  decline: { status: 'NOANSWER', cause: CAUSE.CALL_REJECTED, app: 'Hangup', data: '21', sip: 603 },
} as const;

/**
 * The far end refuses: the far half signals it and hangs up with its Q.850 cause. A PJSIP leg
 * shows what Asterisk's recordings show: ChannelHangupRequest (cause, tech_cause = the SIP
 * status), then Dial with the dialstatus, then ChannelDestroyed with both.
 */
function failDial(
  sim: SimEngine,
  b: SimChannel,
  far: SimChannel | undefined,
  action: keyof typeof FAILURES,
): void {
  const f = FAILURES[action];
  const dialstring = b.dial?.dialstring ?? '';
  b.dial = undefined;
  if (!far && b.tech === 'PJSIP') {
    hangupRequest(sim, b, { cause: f.cause, techCause: f.sip });
    dialEvent(sim, b, f.status, dialstring);
    sim.destroy(b, f.cause, 'far-end', f.sip);
  } else if (far) {
    dialplanStep(sim, far, f.app, f.data);
    setState(sim, far, 'Busy');
    dialEvent(sim, b, f.status, dialstring);
    hangupRequest(sim, far, { cause: CAUSE.UNKNOWN });
    sim.destroy(b, CAUSE.UNKNOWN, 'far-end');
    hangupRequest(sim, far, { cause: SOFT.DIALPLAN_ENDED, soft: true });
    sim.destroy(far, f.cause, 'far-end');
  } else {
    dialEvent(sim, b, f.status, dialstring);
    sim.destroy(b, f.cause, 'far-end');
  }
}

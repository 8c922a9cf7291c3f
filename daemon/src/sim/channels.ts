/**
 * Channel building blocks shared by every call flow: creating channels and Local pairs, state
 * changes, dialplan steps, variables, Stasis entry/exit and subscriptions, each with the event
 * Asterisk publishes for it.
 */
import type { SimEngine } from './engine.js';
import type { CallerId, ChannelState, DialplanCep, LocalPair, SimChannel } from './model.js';
import { SOFT } from './causes.js';
import { AriError } from './errors.js';

export interface ChannelSpec {
  id?: string;
  name: string;
  tech: string;
  state: ChannelState;
  kind: SimChannel['kind'];
  runsDialplan: boolean;
  dialplan: DialplanCep;
  number: string;
  role: string;
  caller?: CallerId;
  connected?: CallerId;
  accountcode?: string;
  linkedid?: string;
}

const EMPTY_ID: CallerId = { name: '', number: '' };

export function createChannel(sim: SimEngine, spec: ChannelSpec): SimChannel {
  const id = spec.id ?? sim.nextChannelId();
  if (sim.channels.has(id)) throw AriError.conflict('Channel with given unique ID already exists');
  const ch: SimChannel = {
    id,
    name: spec.name,
    tech: spec.tech,
    state: spec.state,
    caller: { ...(spec.caller ?? EMPTY_ID) },
    connected: { ...(spec.connected ?? EMPTY_ID) },
    accountcode: spec.accountcode ?? '',
    dialplan: spec.dialplan,
    createdAt: sim.clock.now(),
    language: 'en',
    linkedid: spec.linkedid ?? id,
    vars: new Map(),
    kind: spec.kind,
    runsDialplan: spec.runsDialplan,
    subscribers: new Set(),
    timers: new Set(),
    playbackQueue: [],
    ending: false,
    number: spec.number,
    role: spec.role,
  };
  sim.channels.set(id, ch);
  // Only subscribeAll observers can see a channel this early.
  sim.publishChannel(ch, 'ChannelCreated');
  sim.changed();
  return ch;
}

/** Both halves of a Local channel; `;1` is created first and so has the lower id. */
export function createLocalPair(
  sim: SimEngine,
  base: string,
  one: Omit<ChannelSpec, 'name' | 'tech'>,
  two: Omit<ChannelSpec, 'name' | 'tech'>,
): LocalPair {
  const suffix = sim.nextNameSuffix();
  if (one.id !== undefined && one.id === two.id)
    throw AriError.badRequest('Both channel IDs cannot be the same');
  if (two.id !== undefined && sim.channels.has(two.id))
    throw AriError.conflict('Channel with given unique ID already exists');
  const a = createChannel(sim, { ...one, name: `Local/${base}-${suffix};1`, tech: 'Local' });
  const linkedid = one.linkedid ?? a.id;
  const b = createChannel(sim, {
    ...two,
    linkedid,
    name: `Local/${base}-${suffix};2`,
    tech: 'Local',
  });
  const pair: LocalPair = { one: a, two: b };
  a.pair = pair;
  b.pair = pair;
  return pair;
}

/** The other half of a Local pair, if it still exists. */
export function partner(sim: SimEngine, ch: SimChannel): SimChannel | undefined {
  if (!ch.pair) return undefined;
  const other = ch.pair.one === ch ? ch.pair.two : ch.pair.one;
  return sim.channels.get(other.id) === other ? other : undefined;
}

export function setState(sim: SimEngine, ch: SimChannel, state: ChannelState): void {
  if (ch.state === state) return;
  ch.state = state;
  if (state === 'Up' && ch.answeredAt === undefined) ch.answeredAt = sim.clock.now();
  sim.publishChannel(ch, 'ChannelStateChange');
  sim.changed();
}

/** The channel's dialplan moves on to `app(data)`. */
export function dialplanStep(
  sim: SimEngine,
  ch: SimChannel,
  app: string,
  data: string,
  priority?: number,
): void {
  ch.dialplan = {
    ...ch.dialplan,
    app_name: app,
    app_data: data,
    priority: priority ?? ch.dialplan.priority,
  };
  sim.publishChannel(ch, 'ChannelDialplan', { dialplan_app: app, dialplan_app_data: data });
}

export function varset(sim: SimEngine, ch: SimChannel, variable: string, value: string): void {
  ch.vars.set(variable, value);
  sim.publishChannel(ch, 'ChannelVarset', { variable, value });
}

export function hangupRequest(
  sim: SimEngine,
  ch: SimChannel,
  req: { cause?: number; soft?: boolean; techCause?: number },
): void {
  const fields: Record<string, unknown> = {};
  if (req.cause !== undefined) fields.cause = req.cause;
  if (req.techCause !== undefined) fields.tech_cause = req.techCause;
  if (req.soft) fields.soft = true;
  sim.publishChannel(ch, 'ChannelHangupRequest', fields);
}

export function subscribe(sim: SimEngine, app: string, ch: SimChannel): void {
  ch.subscribers.add(app);
  sim.apps.trackChannel(app, ch.id);
}

export function unsubscribe(sim: SimEngine, app: string, ch: SimChannel): void {
  ch.subscribers.delete(app);
  if (ch.stasisApp !== app) sim.apps.untrackChannel(app, ch.id);
}

export function enterStasis(sim: SimEngine, ch: SimChannel, app: string, args: string[]): void {
  ch.stasisApp = app;
  sim.apps.trackChannel(app, ch.id);
  sim.publishChannel(ch, 'StasisStart', { args });
  sim.changed();
}

/**
 * StasisEnd, then STASISSTATUS=SUCCESS (seen only by subscribers, since the implicit Stasis
 * subscription ends with StasisEnd) and, for a channel with a dialplan thread, the soft hangup
 * (16) that thread reports when it ends.
 */
export function exitStasis(sim: SimEngine, ch: SimChannel): void {
  const app = ch.stasisApp;
  if (!app) return;
  sim.publishChannel(ch, 'StasisEnd');
  ch.stasisApp = undefined;
  if (!ch.subscribers.has(app)) sim.apps.untrackChannel(app, ch.id);
  if (ch.kind === 'outbound')
    ch.dialplan = { ...ch.dialplan, app_name: 'AppDial2', app_data: '(Outgoing Line)' };
  varset(sim, ch, 'STASISSTATUS', 'SUCCESS');
  if (ch.runsDialplan) hangupRequest(sim, ch, { cause: SOFT.DIALPLAN_ENDED, soft: true });
  sim.changed();
}

/** Parses ARI's callerId parameter: `Name <number>`, `"Name" <number>` or a bare number. */
export function parseCallerId(text: string | undefined): CallerId | undefined {
  if (text === undefined || text === '') return undefined;
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$/.exec(text);
  if (m) return { name: m[1] ?? '', number: m[2] ?? '' };
  return { name: '', number: text.trim() };
}

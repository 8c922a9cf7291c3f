/**
 * The simulated Asterisk core: owns channels, bridges and playbacks, routes every event to the
 * Stasis apps that Asterisk would deliver it to, and keeps the history tests assert on. Call flows
 * (dialling, hangups, bridging, playback) live in their own modules and act through this class.
 */
import { EventEmitter } from 'node:events';
import { asteriskTime, type Clock, type TimerHandle } from './clock.js';
import { AppRegistry, type AppConnection } from './apps.js';
import { ChannelHistory, type EndedChannel } from './history.js';
import { causeText } from './causes.js';
import { AriError } from './errors.js';
import type { FarEndRule } from './far-ends.js';
import type {
  BridgeJson,
  ChannelJson,
  HungUpBy,
  PlaybackJson,
  SimBridge,
  SimChannel,
  SimPlayback,
} from './model.js';

/** One event as the simulator put it on an app's websocket. */
export interface SentEvent {
  app: string;
  /** False when the app was inactive (no websocket) and Asterisk would have discarded it. */
  delivered: boolean;
  event: AriEvent;
}

export type AriEvent = {
  type: string;
  timestamp: string;
  application: string;
  asterisk_id: string;
} & Record<string, unknown>;

export interface EngineOptions {
  clock: Clock;
  asteriskId: string;
  rules: FarEndRule[];
  sounds: Record<string, number>;
  recordEvents: boolean;
  historyLimit: number;
  /** asterisk.conf `systemname`: unique ids become `<systemname>-<epoch>.<seq>` (boxes of one cluster). */
  systemName?: string;
}

export class SimEngine extends EventEmitter {
  readonly clock: Clock;
  readonly asteriskId: string;
  readonly apps = new AppRegistry();
  readonly channels = new Map<string, SimChannel>();
  readonly bridges = new Map<string, SimBridge>();
  readonly playbacks = new Map<string, SimPlayback>();
  readonly history: ChannelHistory;
  readonly startedAt: number;
  rules: FarEndRule[];
  sounds: Record<string, number>;
  /** Calls that could not enter Stasis because the app was missing or inactive. */
  readonly failedStasis: {
    channelId: string;
    app: string;
    at: number;
    reason: 'unknown-app' | 'inactive-app';
  }[] = [];
  private readonly sent = new Map<string, SentEvent[]>();
  private readonly recordEvents: boolean;
  private idSeq = 0;
  private localSeq = 0;
  private readonly idPrefix: string;

  constructor(opts: EngineOptions) {
    super();
    this.setMaxListeners(0);
    this.clock = opts.clock;
    this.asteriskId = opts.asteriskId;
    this.rules = opts.rules;
    this.sounds = opts.sounds;
    this.recordEvents = opts.recordEvents;
    this.history = new ChannelHistory(opts.historyLimit);
    this.startedAt = opts.clock.now();
    const epoch = String(Math.floor(this.startedAt / 1000));
    this.idPrefix = opts.systemName ? `${opts.systemName}-${epoch}` : epoch;
  }

  /** Asterisk-style unique id: `<epoch seconds at start>.<sequence>`. */
  nextChannelId(): string {
    return `${this.idPrefix}.${this.idSeq++}`;
  }

  /** The 8-hex-digit sequence Asterisk appends to channel names. */
  nextNameSuffix(): string {
    return (this.localSeq++).toString(16).padStart(8, '0');
  }

  channel(id: string): SimChannel {
    const ch = this.channels.get(id);
    if (!ch || ch.ending) throw AriError.notFound('Channel');
    return ch;
  }

  bridge(id: string): SimBridge {
    const b = this.bridges.get(id);
    if (!b) throw AriError.notFound('Bridge');
    return b;
  }

  /** A timer that dies with the channel. */
  schedule(ch: SimChannel, ms: number, fn: () => void): TimerHandle {
    const handle: TimerHandle = this.clock.setTimer(ms, () => {
      ch.timers.delete(handle);
      if (this.channels.get(ch.id) === ch && !ch.ending) fn();
    });
    ch.timers.add(handle);
    return handle;
  }

  // --- JSON snapshots --------------------------------------------------------------------------

  channelJson(ch: SimChannel): ChannelJson {
    return {
      id: ch.id,
      name: ch.name,
      state: ch.state,
      protocol_id: ch.callId ?? '',
      caller: { ...ch.caller },
      connected: { ...ch.connected },
      accountcode: ch.accountcode,
      dialplan: { ...ch.dialplan },
      creationtime: asteriskTime(ch.createdAt),
      language: ch.language,
    };
  }

  bridgeJson(b: SimBridge): BridgeJson {
    return {
      id: b.id,
      technology: b.nativeRtp ? 'native_rtp' : 'simple_bridge',
      bridge_type: b.type,
      bridge_class: 'stasis',
      creator: 'Stasis',
      name: b.name,
      channels: [...b.channels],
      creationtime: asteriskTime(b.createdAt),
      video_mode: 'talker',
    };
  }

  playbackJson(p: SimPlayback): PlaybackJson {
    const json: PlaybackJson = {
      id: p.id,
      media_uri: p.media[p.index] ?? p.media[0] ?? '',
      target_uri: `channel:${p.channelId}`,
      language: p.language,
      state: p.state,
    };
    const next = p.media[p.index + 1];
    if (next !== undefined) json.next_media_uri = next;
    // Keep Asterisk's field order: next_media_uri comes right after media_uri.
    return next === undefined
      ? json
      : {
          id: json.id,
          media_uri: json.media_uri,
          next_media_uri: next,
          target_uri: json.target_uri,
          language: json.language,
          state: json.state,
        };
  }

  // --- event routing ---------------------------------------------------------------------------

  /** Apps that receive events about this channel: its Stasis app, explicit subscribers, subscribeAll apps. */
  channelReceivers(ch: SimChannel): Set<string> {
    const r = new Set<string>(ch.subscribers);
    if (ch.stasisApp) r.add(ch.stasisApp);
    for (const a of this.apps.subscribeAllApps()) r.add(a);
    return r;
  }

  bridgeReceivers(b: SimBridge): Set<string> {
    const r = new Set<string>(b.subscribers);
    for (const a of this.apps.subscribeAllApps()) r.add(a);
    return r;
  }

  /** Sends one event (fields after `type`/`timestamp`) to each receiving app, in call order. */
  publish(type: string, fields: Record<string, unknown>, receivers: Iterable<string>): void {
    const timestamp = asteriskTime(this.clock.now());
    for (const app of receivers) {
      const event = {
        type,
        timestamp,
        ...fields,
        asterisk_id: this.asteriskId,
        application: app,
      } as AriEvent;
      const state = this.apps.get(app);
      const delivered = !!state && state.connections.length > 0;
      if (delivered && state) {
        const data = JSON.stringify(event);
        for (const c of state.connections) c.send(data);
      }
      const entry: SentEvent = { app, delivered, event };
      if (this.recordEvents) {
        let log = this.sent.get(app);
        if (!log) this.sent.set(app, (log = []));
        log.push(entry);
      }
      this.emit('event', entry);
    }
  }

  publishChannel(
    ch: SimChannel,
    type: string,
    fields: Record<string, unknown> = {},
    channelKey = 'channel',
  ): void {
    const receivers = this.channelReceivers(ch);
    if (receivers.size === 0) return;
    this.publish(type, { ...fields, [channelKey]: this.channelJson(ch) }, receivers);
  }

  /** ApplicationReplaced goes to the websocket that lost the app to a newer connection. */
  publishReplaced(app: string, old: AppConnection): void {
    const event = {
      type: 'ApplicationReplaced',
      timestamp: asteriskTime(this.clock.now()),
      asterisk_id: this.asteriskId,
      application: app,
    };
    old.send(JSON.stringify(event));
  }

  sentEvents(app?: string): SentEvent[] {
    if (app !== undefined) return [...(this.sent.get(app) ?? [])];
    return [...this.sent.values()].flat();
  }

  clearSentEvents(): void {
    this.sent.clear();
  }

  /** Notifies in-process observers (waitUntil) that state changed. */
  changed(): void {
    this.emit('change');
  }

  // --- channel end -----------------------------------------------------------------------------

  /** Final step of every hangup: ChannelDestroyed, forget the channel, write history. */
  destroy(ch: SimChannel, cause: number, by: HungUpBy, techCause?: number): void {
    if (this.channels.get(ch.id) !== ch) return;
    ch.ending = true;
    for (const t of ch.timers) t.cancel();
    ch.timers.clear();
    ch.absoluteTimer?.cancel();
    if (ch.runsDialplan) ch.dialplan = { ...ch.dialplan, app_name: '', app_data: '' };
    this.publishChannel(ch, 'ChannelDestroyed', {
      cause,
      cause_txt: causeText(cause),
      ...(techCause !== undefined ? { tech_cause: techCause } : {}),
    });
    for (const pid of ch.playbackQueue) this.playbacks.delete(pid);
    ch.playbackQueue = [];
    this.channels.delete(ch.id);
    for (const app of ch.subscribers) this.apps.untrackChannel(app, ch.id);
    if (ch.stasisApp) this.apps.untrackChannel(ch.stasisApp, ch.id);
    const entry: EndedChannel = {
      id: ch.id,
      name: ch.name,
      kind: ch.kind,
      number: ch.number,
      createdAt: ch.createdAt,
      endedAt: this.clock.now(),
      cause,
      causeTxt: causeText(cause),
      hungUpBy: by,
    };
    if (ch.lastBridgeId !== undefined) entry.bridgeId = ch.lastBridgeId;
    if (ch.bridgedWith !== undefined) entry.bridgedWith = ch.bridgedWith;
    if (ch.answeredAt !== undefined) entry.answeredAt = ch.answeredAt;
    if (ch.absoluteDeadline !== undefined) entry.absoluteDeadline = ch.absoluteDeadline;
    this.history.add(entry);
    this.changed();
  }
}

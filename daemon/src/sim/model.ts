/**
 * The simulator's internal state: channels, bridges and playbacks, plus the JSON shapes Asterisk
 * puts on the wire for them. Behaviour lives in the modules named for it; this file only holds data.
 */
import type { TimerHandle } from './clock.js';

export type ChannelState = 'Down' | 'Ring' | 'Ringing' | 'Up' | 'Busy';

export interface CallerId {
  name: string;
  number: string;
}

export interface DialplanCep {
  context: string;
  exten: string;
  priority: number;
  app_name: string;
  app_data: string;
}

export interface ChannelJson {
  id: string;
  name: string;
  state: ChannelState;
  protocol_id: string;
  caller: CallerId;
  connected: CallerId;
  accountcode: string;
  dialplan: DialplanCep;
  creationtime: string;
  language: string;
  channelvars?: Record<string, string>;
}

export interface BridgeJson {
  id: string;
  technology: string;
  bridge_type: string;
  bridge_class: string;
  creator: string;
  name: string;
  channels: string[];
  creationtime: string;
  video_mode: string;
}

export interface PlaybackJson {
  id: string;
  media_uri: string;
  next_media_uri?: string;
  target_uri: string;
  language: string;
  state: 'queued' | 'playing' | 'continuing' | 'done' | 'failed';
}

/** Who ended a channel, as the test history reports it. */
export type HungUpBy =
  | 'app' // ARI DELETE /channels/{id}
  | 'far-end' // the dialled party (rules table) hung up, was busy, congested or unavailable
  | 'timeout' // TIMEOUT(absolute) fired on this channel
  | 'ring-timeout' // the originate `timeout` ran out while ringing
  | 'caller' // the injected phone hung up
  | 'peer' // the other half of a Local pair went away
  | 'dialplan' // the dialplan ended the channel (continueInDialplan, Stasis() failed, no route)
  | 'shutdown'; // the simulator closed

/** A Local channel pair shares one object; single-technology channels have none. */
export interface LocalPair {
  one: SimChannel;
  two: SimChannel;
}

export interface SimChannel {
  /** A ChannelConnectedLine was sent for a SIP peer in its bridge (sip-media.ts). */
  connectedLineSent?: boolean;
  id: string;
  name: string;
  tech: string;
  state: ChannelState;
  caller: CallerId;
  connected: CallerId;
  accountcode: string;
  dialplan: DialplanCep;
  createdAt: number;
  language: string;
  linkedid: string;
  vars: Map<string, string>;
  /** 'inbound': entered Stasis from the dialplan; 'outbound': ARI originate; 'half': the non-Stasis side of a Local pair. */
  kind: 'inbound' | 'outbound' | 'half';
  /** The other half when this is a Local channel. */
  pair?: LocalPair;
  /** True when a dialplan thread runs on this channel; it reports a soft hangup (16) when that thread ends. */
  runsDialplan: boolean;
  /** The Stasis application currently controlling the channel. */
  stasisApp?: string;
  /** Apps subscribed explicitly (POST /applications/{app}/subscription) or by originate. */
  subscribers: Set<string>;
  bridgeId?: string;
  /** The last bridge the channel was in (kept after it leaves, for the history). */
  lastBridgeId?: string;
  /** The channels that shared that bridge with it (a bridge takes one call after another). */
  bridgedWith?: string[];
  /** Outbound leg still being dialled (no answer yet). */
  dial?: DialState;
  absoluteDeadline?: number;
  timers: Set<TimerHandle>;
  absoluteTimer?: TimerHandle;
  /** Playbacks queued or playing on this channel, in order. */
  playbackQueue: string[];
  answeredAt?: number;
  ending: boolean;
  /** PJSIP only: the SIP Call-ID (the channel's protocol_id, a peer's BRIDGEPVTCALLID). */
  callId?: string;
  /** PJSIP only: the RTP QoS varsets were sent (once per channel, at its hang-up). */
  qosSent?: boolean;
  /** Details that only matter to the simulator's own bookkeeping. */
  number: string;
  role: string;
}

export interface DialState {
  app?: string;
  appArgs: string[];
  dialstring: string;
  status: '' | 'RINGING';
}

export interface SimBridge {
  id: string;
  name: string;
  type: string;
  createdAt: number;
  channels: string[];
  subscribers: Set<string>;
  /** Two PJSIP channels share the bridge, so Asterisk switched it to native RTP. */
  nativeRtp?: boolean;
}

export interface SimPlayback {
  id: string;
  channelId: string;
  media: string[];
  index: number;
  language: string;
  state: PlaybackJson['state'];
  timer?: TimerHandle;
}

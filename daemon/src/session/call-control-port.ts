/**
 * What a call session may ask of the switch. The ari layer implements it over ari-client
 * (ari/call-control.ts); tests may implement it with a fake. Every method settles within a
 * bounded time (the implementation wraps each request in a timeout) and rejects with
 * `CallControlError` on failure, except where noted.
 */

export type HangupReason =
  'normal' | 'busy' | 'congestion' | 'no_answer' | 'timeout' | 'rejected' | 'unallocated';

/**
 * What a hang-up found: 'hung-up' — the channel was up until the request (Asterisk hung it up);
 * 'gone' — it had already ended (404), perhaps unseen during a websocket gap.
 */
export type HangupOutcome = 'hung-up' | 'gone';

export interface OriginateRequest {
  /** Dial string, e.g. `PJSIP/4420...@trunk`. */
  endpoint: string;
  /** Caller ID passed on to the far end (`"Name" <number>` or a number). */
  callerId: string;
  /** Seconds the leg may ring. */
  ringTimeout: number;
  /** Our id for the leg (the `;1` half of a Local channel). */
  channelId: string;
  /** Our id for the `;2` half of a Local channel. */
  otherChannelId: string;
  /** The A channel: the B leg inherits its linkedid and accountcode. */
  originator: string;
}

export type PlaybackOutcome = 'done' | 'failed' | 'stopped' | 'lost';

export interface PlaybackHandle {
  id: string;
  /**
   * Settles when Asterisk reports the playback finished ('done'/'failed'), when stopPlayback
   * was asked ('stopped'), or when the channel or the connection went away ('lost'). Never rejects.
   */
  finished: Promise<PlaybackOutcome>;
}

export interface ChannelSummary {
  id: string;
  name: string;
  state: string;
  /** The Stasis application the channel is in (null: it runs dialplan or an other application). */
  app: string | null;
}

export interface BridgeSummary {
  id: string;
  channels: string[];
}

export class CallControlError extends Error {
  override name = 'CallControlError';
  constructor(
    readonly operation: string,
    message: string,
    readonly kind: 'not-found' | 'timeout' | 'refused' | 'disconnected' | 'other',
    options?: { cause?: unknown },
  ) {
    super(`${operation}: ${message}`, options);
  }
}

export interface CallControl {
  /** Answers a channel (only done when prompts must be played, or at B answer). */
  answer(channelId: string): Promise<void>;
  /** Indicates ringing to a caller that is not answered yet. */
  ring(channelId: string): Promise<void>;
  /** Plays a list of media (`sound:`, `number:`, `digits:`, `tone:`) as ONE playback. */
  play(channelId: string, media: readonly string[]): Promise<PlaybackHandle>;
  /** Stops a playback; a playback that already finished is not an error. */
  stopPlayback(playbackId: string): Promise<void>;
  /** Originates a leg into our app. Events for it may arrive before this resolves. */
  originate(req: OriginateRequest): Promise<void>;
  createBridge(bridgeId: string): Promise<void>;
  addToBridge(bridgeId: string, channelIds: readonly string[]): Promise<void>;
  /** A bridge that is already gone is not an error. */
  destroyBridge(bridgeId: string): Promise<void>;
  /** Sets TIMEOUT(absolute): Asterisk cuts the channel `seconds` after this call (replacing any earlier deadline). */
  setAbsoluteTimeout(channelId: string, seconds: number): Promise<void>;
  /** Hangs a channel up; a channel that is already gone (404) is not an error: it says 'gone'. */
  hangup(channelId: string, reason?: HangupReason): Promise<HangupOutcome>;
  listChannels(): Promise<ChannelSummary[]>;
  listBridges(): Promise<BridgeSummary[]>;
  /** Tells the translator about a leg about to be originated (done by originate itself) and forgets it later. */
  forgetLeg(channelId: string): void;
}

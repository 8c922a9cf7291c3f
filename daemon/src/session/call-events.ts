/**
 * The switch events a call session understands. The ari layer turns raw ARI payloads into
 * these (ari/events.ts); sessions never see a raw payload. Every event carries Asterisk's own
 * timestamp (`at`), which is what billsec is measured with.
 */

/** Outcome of a B leg that never answered (CDR disposition vocabulary). */
export type LegFailure = 'BUSY' | 'NO ANSWER' | 'CONGESTION' | 'CHANUNAVAIL';

/** How a dialled leg came out: answered, or failed with its cause and Asterisk's time. */
export type DialOutcome =
  | { kind: 'answered' }
  | {
      kind: 'failed';

      failure: LegFailure;
      cause: number | null;
      at: Date;
      /** The channel's tech_cause (a SIP status on PJSIP) when it gave one. */
      techCause?: number | null;
    };

/** The answered outcome, one for all calls (a live call keeps its outcome as long as it talks). */
export const ANSWERED: DialOutcome = Object.freeze({ kind: 'answered' });

/** A new channel entered the app from the dialplan: a call to bill. */
export interface CallOffered {
  kind: 'offered';
  at: Date;
  channelId: string;
  channelName: string;
  /** Caller ID number (may be ''). */
  callerNumber: string;
  callerName: string;
  /** CHANNEL(accountcode) ('' when unset). */
  accountcode: string;
  /** Technology of the channel name, e.g. 'PJSIP', 'IAX2', 'Local'. */
  technology: string;
  /** The device/peer name from the channel name (PJSIP/alice-0001 → alice); null for Local channels. */
  endpointResource: string | null;
  /** First Stasis() argument, else the dialplan extension; null when neither is present. */
  dialled: string | null;
}

/** A DTMF digit on a channel. */
export interface DigitPressed {
  kind: 'digit';
  at: Date;
  channelId: string;
  digit: string;
}

/** An originated leg answered and is now in the app (ready to be bridged). */
export interface LegAnswered {
  kind: 'leg-answered';
  /** When the far end answered (the Dial ANSWER time when seen, else StasisStart's). */
  at: Date;
  channelId: string;
  /**
   * The answer was not seen (a websocket gap lost it; live-check.ts): `at` is the latest moment
   * it can have been, this the earliest. Limits count from here, billing from `at`.
   */
  notBefore?: Date;
}

/** An originated leg ended without being answered. */
export interface LegFailed {
  kind: 'leg-failed';
  at: Date;
  channelId: string;
  failure: LegFailure;
  /** Q.850 cause when known. */
  cause: number | null;
  /** The channel's tech_cause (a SIP status on PJSIP) when it gave one. */
  techCause?: number | null;
}

/** A channel of a call went away (hangup request, StasisEnd or destruction, whichever came). */
export interface LegEnded {
  kind: 'leg-ended';
  at: Date;
  channelId: string;
  /** Q.850 cause when the event carried one (soft hangup flags are not causes). */
  cause: number | null;
  /** Which raw event this came from, for the logs. */
  source: 'hangup-request' | 'stasis-end' | 'destroyed';
}

export interface PlaybackFinished {
  kind: 'playback-finished';
  at: Date;
  playbackId: string;
  /** The channel it played on, when the target was a channel. */
  channelId: string | null;
  failed: boolean;
}

/**
 * A channel left a bridge (hung up in it, or the bridge was deleted). Only the bridge pool
 * (bridge-pool.ts) reads it: a bridge takes the next call once its channels have all left.
 */
export interface LeftBridge {
  kind: 'left-bridge';
  at: Date;
  channelId: string;
  bridgeId: string;
}

export type CallEvent =
  CallOffered | DigitPressed | LegAnswered | LegFailed | LegEnded | PlaybackFinished | LeftBridge;

/** The channel an event is about (for routing to a session), or null. */
export function eventChannel(ev: CallEvent): string | null {
  return ev.kind === 'playback-finished' ? ev.channelId : ev.channelId;
}

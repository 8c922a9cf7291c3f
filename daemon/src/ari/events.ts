/**
 * Raw ARI events → the session's CallEvents (session/call-events.ts). This is the only place
 * that reads ARI payload fields; it follows what a real Asterisk 22 sends (docs/architecture.md,
 * "Facts about Asterisk"; the simulator replays the same sequences):
 *
 * - An inbound channel (entered Stasis from the dialplan) sends nothing after StasisEnd, so
 *   its end is whichever of ChannelHangupRequest / StasisEnd / ChannelDestroyed comes first.
 * - An originated B leg has a StasisStart only once answered. Its failure shows in the Dial
 *   event's dialstatus (BUSY, CONGESTION, CHANUNAVAIL, NOANSWER when the app hangs it up) or,
 *   for a ring timeout (no NOANSWER Dial event), only in hangup causes. For Local channels the
 *   Q.850 cause sits on the `;2` half; the `;1` half (our id) carries 0 for busy/congestion.
 * - `ChannelHangupRequest` with `soft: true` carries a soft-hangup flag, not a Q.850 cause, and
 *   `cause` may be absent altogether (IAX2 phone hangup).
 *
 * The translator remembers the B legs it was told about (`expectLeg`, called before the
 * originate request so that fast failures, which can arrive before the HTTP response, match).
 */
import type { CallEvent, LegFailure } from '../session/call-events.js';

/** appArgs given to every leg we originate, so that an orphaned one is still recognised. */
export const ORIGINATED_LEG_ARG = 'astbill-leg';

interface RawChannel {
  id?: unknown;
  name?: unknown;
  state?: unknown;
  caller?: { name?: unknown; number?: unknown };
  accountcode?: unknown;
  dialplan?: { exten?: unknown; context?: unknown };
}

interface RawEvent {
  type?: unknown;
  timestamp?: unknown;
  channel?: RawChannel;
  peer?: RawChannel;
  bridge?: { id?: unknown };
  args?: unknown;
  dialstatus?: unknown;
  cause?: unknown;
  tech_cause?: unknown;
  soft?: unknown;
  digit?: unknown;
  playback?: { id?: unknown; target_uri?: unknown; state?: unknown };
}

interface Leg {
  primary: string;
  /** The `;2` half's id, when given. */
  other: string | null;
  /** Dial ANSWER time, when seen before StasisStart. */
  answeredAt: Date | null;
  answered: boolean;
  failed: boolean;
  /** Best Q.850 cause seen on either half before the leg was answered. */
  cause: number | null;
  /** The SIP status (tech_cause) seen with it, when the channel gave one. */
  techCause: number | null;
}

/** Event types that carry nothing a session needs (all modelled in events.json). */
export const IGNORED_EVENT_TYPES: ReadonlySet<string> = new Set([
  'ChannelStateChange',
  'ChannelDialplan',
  'ChannelVarset',
  'ChannelEnteredBridge',
  'ChannelCallerId',
  'ChannelConnectedLine',
  'ChannelCreated',
  'ChannelHold',
  'ChannelUnhold',
  'ChannelTalkingStarted',
  'ChannelTalkingFinished',
  'ChannelUserevent',
  'BridgeCreated',
  'BridgeDestroyed',
  'BridgeMerged',
  'BridgeVideoSourceChanged',
  'BridgeBlindTransfer',
  'BridgeAttendedTransfer',
  'PlaybackStarted',
  'PlaybackContinuing',
  'DeviceStateChanged',
  'EndpointStateChange',
  'ContactStatusChange',
  'PeerStatusChange',
  'ApplicationReplaced',
  'ApplicationMoveFailed',
  'RecordingStarted',
  'RecordingFinished',
  'RecordingFailed',
  'TextMessageReceived',
]);

const DIALSTATUS_FAILURE: Record<string, { failure: LegFailure; cause: number }> = {
  BUSY: { failure: 'BUSY', cause: 17 },
  CONGESTION: { failure: 'CONGESTION', cause: 34 },
  CHANUNAVAIL: { failure: 'CHANUNAVAIL', cause: 20 },
  NOANSWER: { failure: 'NO ANSWER', cause: 19 },
  CANCEL: { failure: 'NO ANSWER', cause: 16 },
};

/** How a Q.850 cause of a leg that never answered reads as a disposition. */
export function failureForCause(cause: number | null): LegFailure {
  switch (cause) {
    case 17:
    case 21:
      return 'BUSY';
    case 16:
    case 18:
    case 19:
      return 'NO ANSWER';
    case 34:
    case 38:
    case 41:
    case 42:
    case 44:
    case 47:
      return 'CONGESTION';
    default:
      return 'CHANUNAVAIL';
  }
}

/** Parses Asterisk's `2026-11-21T23:39:40.024+0000` (and ISO variants); null when unusable. */
export function parseAriTime(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})$/.exec(
    value.trim(),
  );
  if (!m) return null;
  const zone = m[2] === 'Z' ? 'Z' : `${m[2]!.slice(0, 3)}:${m[2]!.slice(-2)}`;
  const ms = Date.parse(`${m[1]}${zone}`);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** 'PJSIP/alice-00000001' → { technology: 'PJSIP', resource: 'alice' }; Local channels have no resource. */
export function endpointOf(channelName: string): { technology: string; resource: string | null } {
  const slash = channelName.indexOf('/');
  if (slash <= 0) return { technology: '', resource: null };
  const technology = channelName.slice(0, slash);
  if (technology.toLowerCase() === 'local') return { technology, resource: null };
  const m = /^(.+)-[0-9a-fA-F]+$/.exec(channelName.slice(slash + 1));
  return { technology, resource: m?.[1] ?? null };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export type ProblemReporter = (message: string, detail: Record<string, unknown>) => void;

export class AriEventTranslator {
  private readonly legs = new Map<string, Leg>();

  constructor(
    private readonly onProblem: ProblemReporter = () => undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Announces a leg we are about to originate (its `;1` id and, for Local channels, the `;2` id). */
  expectLeg(channelId: string, otherChannelId?: string): void {
    const leg: Leg = {
      primary: channelId,
      other: otherChannelId ?? null,
      answeredAt: null,
      answered: false,
      failed: false,
      cause: null,
      techCause: null,
    };
    this.legs.set(channelId, leg);
    if (otherChannelId) this.legs.set(otherChannelId, leg);
  }

  /** Drops what is remembered about a leg (both halves). */
  forgetLeg(channelId: string): void {
    const leg = this.legs.get(channelId);
    if (!leg) return;
    // O(1): the leg knows both its ids (scanning every remembered leg costs O(live calls)).
    for (const id of [leg.primary, leg.other])
      if (id !== null && this.legs.get(id) === leg) this.legs.delete(id);
  }

  /** How many channel ids are remembered (for leak checks). */
  get rememberedLegs(): number {
    return this.legs.size;
  }

  translate(input: unknown): CallEvent[] {
    if (typeof input !== 'object' || input === null) {
      this.onProblem('ignored an ARI event that is not an object', {});
      return [];
    }
    const raw = input as RawEvent;
    const type = str(raw.type);
    if (IGNORED_EVENT_TYPES.has(type)) return [];
    let at = parseAriTime(raw.timestamp);
    if (!at) {
      this.onProblem('ARI event without a usable timestamp; using local time', {
        type,
        timestamp: raw.timestamp,
      });
      at = this.now();
    }
    switch (type) {
      case 'StasisStart':
        return this.stasisStart(raw, at);
      case 'StasisEnd':
        return this.ended(raw, at, 'stasis-end', null);
      case 'ChannelHangupRequest': {
        const soft = raw.soft === true;
        return this.ended(
          raw,
          at,
          'hangup-request',
          soft ? null : num(raw.cause),
          num(raw.tech_cause),
        );
      }
      case 'ChannelDestroyed':
        return this.ended(raw, at, 'destroyed', num(raw.cause), num(raw.tech_cause));
      case 'Dial':
        return this.dial(raw, at);
      case 'ChannelLeftBridge': {
        const channelId = this.channelId(raw.channel, type);
        const bridgeId = str(raw.bridge?.id);
        return channelId && bridgeId ? [{ kind: 'left-bridge', at, channelId, bridgeId }] : [];
      }
      case 'ChannelDtmfReceived': {
        const channelId = this.channelId(raw.channel, type);
        const digit = str(raw.digit);
        if (!channelId || !/^[0-9A-D*#]$/.test(digit)) {
          if (channelId)
            this.onProblem('ignored a DTMF event without a digit', { channelId, digit: raw.digit });
          return [];
        }
        return [{ kind: 'digit', at, channelId, digit }];
      }
      case 'PlaybackFinished': {
        const id = str(raw.playback?.id);
        if (!id) {
          this.onProblem('ignored PlaybackFinished without a playback id', {});
          return [];
        }
        const target = str(raw.playback?.target_uri);
        const channelId = target.startsWith('channel:') ? target.slice('channel:'.length) : null;
        return [
          {
            kind: 'playback-finished',
            at,
            playbackId: id,
            channelId,
            failed: str(raw.playback?.state) === 'failed',
          },
        ];
      }
      default:
        this.onProblem('ignored an ARI event of a type astbill does not handle', { type });
        return [];
    }
  }

  private channelId(ch: RawChannel | undefined, type: string): string | null {
    const id = str(ch?.id);
    if (!id) {
      this.onProblem('ignored an ARI event without a channel id', { type });
      return null;
    }
    return id;
  }

  private stasisStart(raw: RawEvent, at: Date): CallEvent[] {
    const ch = raw.channel;
    const channelId = this.channelId(ch, 'StasisStart');
    if (!channelId || !ch) return [];
    const args = Array.isArray(raw.args) ? raw.args.map(str) : [];
    const leg = this.legs.get(channelId);
    if (leg || args[0] === ORIGINATED_LEG_ARG) {
      if (leg && leg.primary !== channelId) return [];
      if (leg?.answered || leg?.failed) return [];
      if (leg) leg.answered = true;
      return [{ kind: 'leg-answered', at: leg?.answeredAt ?? at, channelId }];
    }
    const name = str(ch.name);
    const { technology, resource } = endpointOf(name);
    const exten = str(ch.dialplan?.exten);
    const arg0 = args[0]?.trim() ?? '';
    return [
      {
        kind: 'offered',
        at,
        channelId,
        channelName: name,
        callerNumber: str(ch.caller?.number),
        callerName: str(ch.caller?.name),
        accountcode: str(ch.accountcode),
        technology,
        endpointResource: resource,
        dialled: arg0 !== '' ? arg0 : exten !== '' ? exten : null,
      },
    ];
  }

  private dial(raw: RawEvent, at: Date): CallEvent[] {
    const peerId = str(raw.peer?.id);
    const leg = peerId ? this.legs.get(peerId) : undefined;
    if (!leg) return [];
    const status = str(raw.dialstatus);
    if (status === 'ANSWER') {
      if (!leg.answeredAt) leg.answeredAt = at;
      return [];
    }
    const f = DIALSTATUS_FAILURE[status];
    if (!f || leg.answered || leg.failed) return [];
    leg.failed = true;
    return [
      {
        kind: 'leg-failed',
        at,
        channelId: leg.primary,
        failure: f.failure,
        cause: leg.cause ?? f.cause,
        ...(leg.techCause !== null ? { techCause: leg.techCause } : {}),
      },
    ];
  }

  private ended(
    raw: RawEvent,
    at: Date,
    source: 'hangup-request' | 'stasis-end' | 'destroyed',
    cause: number | null,
    techCause: number | null = null,
  ): CallEvent[] {
    const channelId = this.channelId(raw.channel, source);
    if (!channelId) return [];
    const leg = this.legs.get(channelId);
    if (!leg) return [{ kind: 'leg-ended', at, channelId, cause, source }];
    const out: CallEvent[] = [];
    if (leg.answered) {
      // After answer only our half matters: the `;2` half's events repeat what `;1` reports.
      if (channelId === leg.primary) out.push({ kind: 'leg-ended', at, channelId, cause, source });
    } else if (!leg.failed) {
      if (cause !== null && cause > 0) leg.cause = cause;
      if (techCause !== null && techCause > 0) leg.techCause = techCause;
      // A ring timeout has no NOANSWER Dial event: the hangup causes are the only signal.
      // An unroutable Local leg is destroyed with cause 0 and no Dial event at all.
      const decisive =
        (source === 'hangup-request' && cause !== null && cause > 0) || source === 'destroyed';
      if (decisive) {
        leg.failed = true;
        out.push({
          kind: 'leg-failed',
          at,
          channelId: leg.primary,
          failure: failureForCause(leg.cause),
          cause: leg.cause,
          ...(leg.techCause !== null ? { techCause: leg.techCause } : {}),
        });
      }
    }
    // Each half is forgotten once destroyed; the session forgets the rest when it settles.
    if (source === 'destroyed') this.legs.delete(channelId);
    return out;
  }
}

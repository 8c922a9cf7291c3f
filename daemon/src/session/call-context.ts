/**
 * What the phases of one ordinary call share: its settings and ports (SessionDeps), the
 * states it moves through, and the per-call facts (account, attempts, when A ended) that the
 * phases read and write. CallSession owns one CallContext and hands it to each phase.
 */
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Money, Rate, RankedRoute } from '../rating/index.js';
import type { CallControl } from './call-control-port.js';
import type { CallOffered, DialOutcome } from './call-events.js';
import type { CallScope, Deferred } from './call-scope.js';
import type { CallSession } from './call-session.js';
import type { AwaitedEnd } from './proven-end.js';
import type { DaemonClock } from './clock.js';
import type { GrantController } from './grant-controller.js';
import type { BandStore, GrantStore } from './grant-ports.js';
import type { BridgePool } from './bridge-pool.js';
import type { IdFactory } from './ids.js';
import type { CallerIvr } from './ivr.js';
import type { UnseenEnd } from './unseen-end.js';
import type { KillReason } from './kill-call.js';
import type { LimitTimer } from './limit-timer.js';
import type { GuessGuard } from './guess-guard.js';
import type { Account, BillingStore, SessionMetrics } from './ports.js';
import type { StateMachine, Transitions } from './state-machine.js';
import type { RoutingConfig } from './routing-config.js';
import type { RoutingStore } from './routing-ports.js';
import type { VoucherStore } from './voucher-ports.js';

export type SessionState =
  | 'offered'
  | 'identifying'
  | 'rating'
  | 'authorising'
  | 'dialling'
  | 'talking'
  | 'ending'
  | 'settled';

export const ALLOWED: Transitions<SessionState> = {
  // talking: a call adopted after a restart (reconcile.ts) starts there.
  offered: ['identifying', 'talking', 'ending'],
  identifying: ['rating', 'ending'],
  rating: ['authorising', 'ending'],
  authorising: ['dialling', 'ending'],
  dialling: ['talking', 'rating', 'ending'],
  talking: ['ending'],
  ending: ['settled'],
  settled: [],
};

export type SessionConfig = Pick<
  Config,
  | 'dial'
  | 'node'
  | 'ringTimeout'
  | 'maxCallSeconds'
  | 'warnBefore'
  | 'warnSound'
  | 'announce'
  | 'digitTimeout'
  | 'pinTries'
> & {
  /** The voucher access number (config `voucherNumber`): its calls redeem a code (voucher-flow.ts). */
  voucherNumber?: string | null;
  /** Grant-mode charging defaults (absent: every call is single mode). */
  charging?: Config['charging'];
  /** Destinations a card caller may try in one call (default 3). */
  maxDestinationAttempts?: number;
  /** Seconds the daemon's own limit timer waits past the grant before it steps in (default 2). */
  limitGraceSeconds?: number;
  /** Seconds the daemon waits for Asterisk to confirm a hangup it asked for (default 5). */
  hangupWaitSeconds?: number;
  /** Seconds past the ring timeout before the daemon gives up on a dial outcome (default 10). */
  ringGuardSeconds?: number;
  /** Carrier routing: margin guard and failover table (default: no margin, the default table). */
  routing?: RoutingConfig;
};

export interface SessionDeps {
  store: BillingStore;
  control: CallControl;
  logger: Logger;
  clock: DaemonClock;
  ids: IdFactory;
  /** The daemon's reusable bridges (bridge-pool.ts); absent: one bridge per call. */
  bridges?: BridgePool;
  config: SessionConfig;
  /**
   * The latest moment this call is proven up (session/live-check.ts LivenessBook): when the
   * websocket was last heard or a check last listed its channels, never the time since (the link
   * may have stalled unnoticed). Default: now.
   */
  confirmedUp?(session: CallSession): Date;
  /**
   * Routes events of a channel the session creates to it. The session is an argument (not
   * captured) so that one SessionDeps serves every call of a daemon: per-call copies cost
   * ~1 KiB per live call (own hidden class, three closures).
   */
  bind(channelId: string, session: CallSession): void;
  /** Called once, when the session is settled. */
  onFinished(session: CallSession): void;
  /** Counters and timings for monitoring (default: none). */
  metrics?: SessionMetrics;
  /** The PIN-guessing limits across calls and daemons (default: none). */
  pinGuard?: GuessGuard;
  /** Extends grant-mode calls (store/tx/extend.ts); without it every call is single mode. */
  grantStore?: GrantStore;
  /** Time-banded rates; without it every rate is priced flat. */
  bands?: BandStore;
  /** Voucher redemption (store/tx/redeem-voucher.ts); without it the voucher number is not served. */
  vouchers?: VoucherStore;
  /** Carrier routing (store/trunks.ts); without it every call dials config `dial`. */
  routing?: RoutingStore;
}

/** What the daemon shows about a live call (the API's GET /calls). */
export interface LiveCallSnapshot {
  /** The open reservation's uniqueid once authorised, else the A channel id. */
  id: string;
  state: SessionState;
  account: string | null;
  destination: string | null;
  callerNumber: string | null;
  answeredAt: Date | null;
  grantedSeconds: number | null;
}

/** One authorised destination of a call (a card caller may try several). */
export interface Attempt {
  n: number;
  uniqueid: string;
  dst: string;
  /** null for a call adopted after a restart (its CDR keeps the rate it was granted on). */
  rate: Rate | null;
  maxSeconds: number;
  maxCost: Money;
  start: Date;
  b: { channelId: string; otherChannelId: string } | null;
  answeredAt: Date | null;
  settled: boolean;
  outcome: Deferred<DialOutcome>;
  /** Grant mode: maxSeconds is the first grant; the GrantController extends it while talking. */
  grant: { grantSeconds: number; final: boolean } | null;
  /** Routed call: the profitable trunks in the order they are tried; null: config `dial`. */
  routes?: RankedRoute[] | null;
  /**
   * The far end answered but the caller was never put through (a banded grant could not be
   * priced at the answer): the call ends with nothing talked, billsec 0.
   */
  unconnected?: true;
}

export interface CallContext {
  /** The session this context belongs to (what deps.bind/onFinished are told). */
  readonly session: CallSession;
  readonly offered: CallOffered;
  readonly deps: SessionDeps;
  readonly log: Logger;
  readonly metrics: SessionMetrics;
  readonly scope: CallScope;
  /** Made on first use (most calls never hear a prompt). */
  readonly ivr: CallerIvr;
  /** Whether the A leg is answered (by the IVR, or an adopted call's); does not make the IVR. */
  readonly answered: boolean;
  /** Answers the A leg once (through the IVR when there is one) without making the IVR. */
  answerA(): Promise<void>;
  readonly machine: StateMachine<SessionState>;
  account: Account | null;
  /** The destination being tried (asked for, or dialled). */
  destination: string | null;
  attempts: Attempt[];
  /** The attempt being dialled or talked on. */
  attempt: Attempt | null;
  aEnded: { at: Date; cause: number | null } | null;
  /** While a seen end waits to learn when the other leg ended (talk-end.ts): that leg, its end. */
  otherEnd: AwaitedEnd | null;
  /** Asterisk's time of the latest event of this call (the best "now" for a CDR). */
  lastEventAt: Date;
  killReason: KillReason | null;
  /** Set when the call ended unseen (its channels vanished): the end it is billed to. */
  unseenEnd: UnseenEnd | null;
  bridgeId: string | null;
  limit: LimitTimer | GrantController | null;
  /** Runs background work of this call; a failure ends the call through the kill path. */
  spawn(p: Promise<unknown>, what: string): void;
  kill(reason: KillReason): Promise<void>;
  /** Marks the call settled and lets go of it (once). */
  finish(): void;
  /** What the call's limit fires: the warning sound while talking, then the kill path. */
  limitWarning(): void;
  limitReached(): void;
}

/**
 * Adds an attempt. A new array of the exact length (concat), not push() nor a spread: either
 * reserves 17 slots (~150 bytes), kept for as long as the call lives, for one or two attempts.
 */
export function addAttempt(ctx: CallContext, attempt: Attempt): void {
  ctx.attempts = ctx.attempts.concat([attempt]);
}

/** The uniqueid of the next attempt: the A channel id, then `${a}.1`, `${a}.2`… */
export function nextUniqueid(ctx: CallContext): string {
  const n = ctx.attempts.length;
  return n === 0 ? ctx.offered.channelId : `${ctx.offered.channelId}.${n}`;
}

/** The note a CDR gets when astbill ended the call. */
export function killNote(reason: KillReason | null): string | undefined {
  return reason ? `ended by astbill: ${reason}` : undefined;
}

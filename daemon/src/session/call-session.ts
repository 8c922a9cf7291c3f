/**
 * One Stasis call, as an explicit state machine:
 *
 *   offered → identifying → rating → authorising → dialling → talking → ending → settled
 *                              ↑___________________________|  (card flow: another destination)
 *
 * Until the B leg answers, `run()` drives the call (identify, rate, authorise, announce, dial)
 * and events only record facts (digits, hangups, the dial outcome). From the answer on, events
 * drive it: either party hanging up, Asterisk's TIMEOUT(absolute) or the one kill path ends the
 * call, the other leg is hung up, the bridge destroyed and the attempt settled once. An event
 * that does not fit the state is a logged no-op; the store's settle is idempotent as well.
 *
 * Money rules live in the store (authorise/settle) and rating; this file only measures billsec
 * from Asterisk's own timestamps (answer → end, whole seconds, rounded down as Asterisk's CDR does).
 */
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { maxAffordableSeconds, type Money, type Rate } from '../rating/index.js';
import type { CallControl, HangupReason } from './call-control-port.js';
import type { CallEvent, CallOffered, LegEnded, LegFailure } from './call-events.js';
import { sleep, type DaemonClock } from './clock.js';
import { DigitCollector, type Collected } from './collect-digits.js';
import { identifyByPin, identifyFromChannel, type Identified, type Ivr } from './identify.js';
import type { IdFactory } from './ids.js';
import type { KillReason } from './kill-call.js';
import { describeEnd, type UnseenEnd } from './unseen-end.js';
import { GrantController } from './grant-controller.js';
import type { GrantStore } from './grant-ports.js';
import { LimitTimer } from './limit-timer.js';
import { noPinGuard, type PinGuard } from './pin-lockout.js';
import {
  noSessionMetrics,
  type Account,
  type BillingStore,
  type Disposition,
  type RefusalReason,
  type SessionMetrics,
} from './ports.js';
import { PROMPTS, balanceAnnouncement } from './prompts.js';
import type { RegisteredSession } from './registry.js';
import type { AdoptableCall } from './reconcile.js';

export type SessionState =
  | 'offered'
  | 'identifying'
  | 'rating'
  | 'authorising'
  | 'dialling'
  | 'talking'
  | 'ending'
  | 'settled';

const ALLOWED: Record<SessionState, readonly SessionState[]> = {
  offered: ['identifying', 'ending'],
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
};

export interface SessionDeps {
  store: BillingStore;
  control: CallControl;
  logger: Logger;
  clock: DaemonClock;
  ids: IdFactory;
  config: SessionConfig;
  /** Routes events of a channel the session creates to it. */
  bind(channelId: string): void;
  /** Called once, when the session is settled. */
  onFinished(): void;
  /** Counters and timings for monitoring (default: none). */
  metrics?: SessionMetrics;
  /** PIN lockout per caller ID across calls (default: none). */
  pinGuard?: PinGuard;
  /** Extends grant-mode calls (store/tx/extend.ts); without it every call is single mode. */
  grantStore?: GrantStore;
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

/**
 * Whether what the dialplan passed (first Stasis arg, else ${EXTEN}) names a destination. A
 * value without any digit (`s` at a calling-card access number, a named extension, nothing at
 * all) does not: the caller is asked for the number. One with digits is taken as dialled and
 * validated (a non-digit or overlong number is refused as BADNUMBER).
 */
export function namesDestination(dialled: string | null): dialled is string {
  return dialled !== null && /\d/.test(dialled);
}

export const MAX_DESTINATION_DIGITS = 20;

/** What a destination must look like before it is rated and dialled. */
const VALID_DESTINATION = /^\d{1,20}$/;

/** The reason every abort here gives: without one, abort() builds a DOMException with a stack trace (~1.7% of the daemon's CPU under load); nothing reads it. */
const ENDED = 'call ended';

type DialOutcome =
  { kind: 'answered' } | { kind: 'failed'; failure: LegFailure; cause: number | null; at: Date };

interface Attempt {
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
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  done: boolean;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  const d: Deferred<T> = {
    promise,
    done: false,
    resolve: (v: T) => {
      if (d.done) return;
      d.done = true;
      resolve(v);
    },
  };
  return d;
}

/** Thrown inside the pre-answer flow when the caller went away or the call was killed. */
class Aborted extends Error {
  override name = 'Aborted';
}

/** A store call failed: the call fails closed (announce, hang up). */
class StoreFailure extends Error {
  override name = 'StoreFailure';
}

/** Whole seconds from `from` to `to`, rounded down, never negative. */
export function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 1000));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const FAILURE_DISPOSITION: Record<LegFailure, Disposition> = {
  BUSY: 'BUSY',
  'NO ANSWER': 'NO ANSWER',
  CONGESTION: 'CONGESTION',
  // The CDR vocabulary has no CHANUNAVAIL: Asterisk's own CDR writes FAILED for it.
  CHANUNAVAIL: 'FAILED',
};

const FAILURE_HANGUP: Record<LegFailure, HangupReason> = {
  BUSY: 'busy',
  'NO ANSWER': 'no_answer',
  CONGESTION: 'congestion',
  CHANUNAVAIL: 'congestion',
};

export class CallSession implements RegisteredSession {
  private _state: SessionState = 'offered';
  private readonly abort = new AbortController();
  private readonly digits: DigitCollector;
  private readonly log: Logger;
  private readonly done = deferred<void>();
  private account: Account | null = null;
  private cardFlow = false;
  /** The destination is asked for (card flow, or nothing dialled): the caller may try another. */
  private twoStage = false;
  private destination: string | null = null;
  private attempts: Attempt[] = [];
  private attempt: Attempt | null = null;
  private aAnswered = false;
  private aEnded: { at: Date; cause: number | null } | null = null;
  private bridgeId: string | null = null;
  private limit: LimitTimer | GrantController | null = null;
  private killReason: KillReason | null = null;
  /** Set when the call ended unseen (its channels vanished): the end it is billed to. */
  private unseenEnd: UnseenEnd | null = null;
  private lastEventAt: Date;
  private started = false;

  constructor(
    readonly offered: CallOffered,
    private readonly deps: SessionDeps,
  ) {
    this.digits = new DigitCollector(deps.clock);
    this.log = deps.logger.child({ call: offered.channelId });
    this.lastEventAt = offered.at;
  }

  get aChannelId(): string {
    return this.offered.channelId;
  }

  get state(): SessionState {
    return this._state;
  }

  get finished(): Promise<void> {
    return this.done.promise;
  }

  /** Channels that must still exist in Asterisk for this call to be alive. */
  channelsToCheck(): string[] {
    if (this._state === 'ending' || this._state === 'settled') return [];
    const out = [this.aChannelId];
    if (this._state === 'talking' && this.attempt?.b) out.push(this.attempt.b.channelId);
    return out;
  }

  openUniqueids(): string[] {
    return this.attempts.filter((a) => !a.settled).map((a) => a.uniqueid);
  }

  /** A snapshot for operators (GET /calls). */
  info(): LiveCallSnapshot {
    const a = this.attempt && !this.attempt.settled ? this.attempt : null;
    return {
      id: a?.uniqueid ?? this.aChannelId,
      state: this._state,
      account: this.account?.name ?? null,
      destination:
        a?.dst ??
        this.destination ??
        (namesDestination(this.offered.dialled) ? this.offered.dialled : null),
      callerNumber: this.offered.callerNumber || null,
      answeredAt: a?.answeredAt ?? null,
      grantedSeconds: a?.maxSeconds ?? null,
    };
  }

  private get metrics(): SessionMetrics {
    return this.deps.metrics ?? noSessionMetrics;
  }

  /** Starts the pre-answer flow; resolves when the call is settled. Never rejects. */
  start(): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.log.info('call offered', {
        name: this.offered.channelName,
        caller: this.offered.callerNumber,
        accountcode: this.offered.accountcode,
        dialled: this.offered.dialled,
      });
      this.spawn(this.run(), 'call flow');
    }
    return this.finished;
  }

  /**
   * Restart reconciliation (reconcile.ts): supervises a call that an earlier run of the daemon
   * connected and that Asterisk still has up. The session starts in the talking state with that
   * bridge; TIMEOUT(absolute) is set again on both legs to the seconds left of the grant (never
   * later than the deadline they had), and the daemon's limit timer likewise; either leg ending
   * ends the call, which is settled from Asterisk's timestamps like any other.
   */
  adopt(call: AdoptableCall): Promise<void> {
    if (this.started) throw new Error('adopt(): the session has started already');
    this.started = true;
    const attempt: Attempt = {
      n: 0,
      uniqueid: call.uniqueid,
      dst: '',
      rate: null,
      // Adopted calls are supervised to the end of the grant they hold (no further extension).
      grant: null,
      maxSeconds: call.maxSeconds,
      maxCost: 0n,
      start: call.created,
      b: {
        channelId: call.bChannelId,
        otherChannelId: call.bOtherChannelId ?? `${call.bChannelId}-2`,
      },
      answeredAt: call.answer,
      settled: false,
      outcome: deferred<DialOutcome>(),
    };
    attempt.outcome.resolve({ kind: 'answered' });
    this.attempts.push(attempt);
    this.attempt = attempt;
    this.aAnswered = true;
    this.bridgeId = call.bridgeId;
    this._state = 'talking';
    this.deps.bind(call.bChannelId);
    if (call.bOtherChannelId) this.deps.bind(call.bOtherChannelId);
    const { control, clock, config } = this.deps;
    this.limit = new LimitTimer({
      clock,
      limitSeconds: call.remainingSeconds,
      graceSeconds: config.limitGraceSeconds ?? 2,
      warnBeforeSeconds: 0,
      onLimit: () => this.spawn(this.kill('limit'), 'limit'),
    });
    this.limit.start();
    this.log.warn('supervising a call that outlived the daemon', {
      uniqueid: call.uniqueid,
      b: call.bChannelId,
      remainingSeconds: call.remainingSeconds,
    });
    const limit = Promise.all([
      control.setAbsoluteTimeout(call.aChannelId, call.remainingSeconds),
      control.setAbsoluteTimeout(call.bChannelId, call.remainingSeconds),
    ]);
    this.spawn(
      limit.catch((err: unknown) => {
        if (this._state !== 'talking') return;
        this.log.error('could not set the limit again on an adopted call; ending it', {
          error: errorText(err),
        });
        return this.kill('lost-channel');
      }),
      'adopting the call',
    );
    return this.finished;
  }

  // ---------------------------------------------------------------- events

  /** Feeds one event about this call's channels. Never throws. */
  handle(ev: CallEvent): void {
    try {
      if (ev.kind !== 'playback-finished' && ev.at.getTime() > this.lastEventAt.getTime())
        this.lastEventAt = ev.at;
      switch (ev.kind) {
        case 'digit':
          if (ev.channelId === this.aChannelId) this.digits.push(ev.digit);
          return;
        case 'leg-ended':
          if (ev.channelId === this.aChannelId) this.onAEnded(ev);
          else if (this.attempt?.b?.channelId === ev.channelId) this.onBEnded(ev);
          else this.ignored(ev);
          return;
        case 'leg-answered':
          this.onBAnswered(ev.channelId, ev.at);
          return;
        case 'leg-failed': {
          const a = this.attempt;
          if (a && a.b?.channelId === ev.channelId && this._state === 'dialling' && !a.answeredAt) {
            a.outcome.resolve({ kind: 'failed', failure: ev.failure, cause: ev.cause, at: ev.at });
          } else this.ignored(ev);
          return;
        }
        case 'offered':
        case 'playback-finished':
          this.ignored(ev);
          return;
      }
    } catch (err) {
      this.log.error('event handling failed', { event: ev.kind, error: errorText(err) });
    }
  }

  private ignored(ev: CallEvent): void {
    this.log.debug('event does not fit the call state; ignored', {
      event: ev.kind,
      state: this._state,
      channel: 'channelId' in ev ? ev.channelId : null,
    });
  }

  private onAEnded(ev: LegEnded): void {
    if (!this.aEnded) this.aEnded = { at: ev.at, cause: ev.cause };
    else if (this.aEnded.cause === null && ev.cause !== null) this.aEnded.cause = ev.cause;
    if (this._state === 'talking')
      this.spawn(this.endTalk(ev.at, ev.cause ?? this.aEnded.cause, 'caller'), 'end of call');
    else this.abort.abort(ENDED);
  }

  private onBEnded(ev: LegEnded): void {
    if (this._state === 'talking')
      this.spawn(this.endTalk(ev.at, ev.cause, 'callee'), 'end of call');
    else this.ignored(ev);
  }

  private onBAnswered(channelId: string, at: Date): void {
    const a = this.attempt;
    if (
      !a ||
      a.b?.channelId !== channelId ||
      a.answeredAt ||
      this._state !== 'dialling' ||
      a.outcome.done
    ) {
      // A leg of ours that answered too late (caller gone, already failed): nobody will talk on it.
      this.log.warn('an originated leg answered but its call attempt is over; hanging it up', {
        leg: channelId,
        state: this._state,
      });
      void this.deps.control.hangup(channelId, 'normal').catch(() => undefined);
      return;
    }
    a.answeredAt = at;
    if (this.abort.signal.aborted) {
      a.outcome.resolve({ kind: 'answered' });
      return;
    }
    this.transition('talking');
    a.outcome.resolve({ kind: 'answered' });
    this.spawn(this.startTalking(a), 'connecting the call');
  }

  // ---------------------------------------------------------------- the kill path

  /**
   * Ends the call on astbill's initiative (limit, housekeeping, lost channel, operator, shutdown).
   * `unseen`: the call already ended unseen (live-check.ts); it is settled with that end.
   */
  async kill(reason: KillReason, unseen?: UnseenEnd): Promise<void> {
    if (this._state === 'ending' || this._state === 'settled') return this.finished;
    this.killReason ??= reason;
    const { control, config, clock } = this.deps;
    if (this._state === 'talking' && unseen) {
      this.unseenEnd = unseen;
      await this.endTalk(unseen.end, null, 'kill');
    } else if (this._state === 'talking') {
      const a = this.attempt;
      await Promise.allSettled([
        control.hangup(this.aChannelId, 'normal'),
        a?.b ? control.hangup(a.b.channelId, 'normal') : Promise.resolve(),
      ]);
      // Asterisk's events end the call with its own timestamps; if they do not come, end it here.
      await sleep(clock, (config.hangupWaitSeconds ?? 5) * 1000, this.doneSignal());
      if (this._state === 'talking') {
        this.log.warn('no hangup event from Asterisk; ending the call with the daemon clock', {
          reason,
        });
        await this.endTalk(clock.now(), null, 'kill');
      }
    } else {
      this.abort.abort(ENDED);
      await Promise.allSettled([control.hangup(this.aChannelId, 'normal')]);
    }
    // Bounded: a caller of the kill path (housekeeping, shutdown) must not hang on one call.
    await Promise.race([this.finished, sleep(clock, 2 * (config.hangupWaitSeconds ?? 5) * 1000)]);
  }

  private doneSignal(): AbortSignal {
    const c = new AbortController();
    void this.finished.then(() => c.abort(ENDED));
    if (this._state !== 'talking') c.abort(ENDED);
    return c.signal;
  }

  // ---------------------------------------------------------------- pre-answer flow

  private async run(): Promise<void> {
    try {
      await this.flow();
    } catch (err) {
      if (err instanceof Aborted || this.abort.signal.aborted) await this.abandon();
      else await this.failClosed(err);
    }
  }

  private async flow(): Promise<void> {
    const { config, store } = this.deps;
    this.transition('identifying');
    const who = await this.identify();
    if (!who) return;
    const account = who.account;
    this.account = account;
    this.log.info('caller identified', { account: account.name, via: who.via });
    if (account.status === 'blocked')
      return this.refuse('BLOCKED', PROMPTS.noService, this.nextUniqueid());

    this.twoStage = this.cardFlow || !namesDestination(this.offered.dialled);
    const maxAttempts = this.twoStage ? Math.max(1, config.maxDestinationAttempts ?? 3) : 1;
    for (let n = 0; n < maxAttempts; n++) {
      this.transition('rating');
      const uniqueid = this.nextUniqueid();
      const dst = this.twoStage ? await this.askDestination() : this.offered.dialled;
      this.destination = dst;
      const start = n === 0 ? this.offered.at : this.lastEventAt;
      if (dst === null || !VALID_DESTINATION.test(dst))
        return this.refuse('BADNUMBER', PROMPTS.noService, uniqueid, dst ?? '', start);
      const rate =
        who.rated?.number === dst
          ? who.rated.rate
          : await this.db(() => store.rateFor(account.tariff, dst));
      this.check();
      if (!rate) return this.refuse('NOROUTE', PROMPTS.noService, uniqueid, dst, start);

      this.transition('authorising');
      const asked = performance.now();
      const res = await this.db(() =>
        store.authorise({
          uniqueid,
          accountId: account.id,
          src: this.offered.callerNumber,
          dst,
          rate,
          node: config.node,
          defaultMaxSeconds: config.maxCallSeconds,
          start,
          ...(config.charging && this.deps.grantStore
            ? {
                charging: {
                  mode: config.charging.mode,
                  grantSeconds: config.charging.grantSeconds,
                },
              }
            : {}),
        }),
      );
      this.metrics.observeAuthorise((performance.now() - asked) / 1000);
      if (res.ok) {
        const attempt: Attempt = {
          n,
          uniqueid,
          dst,
          rate,
          maxSeconds: res.maxSeconds,
          maxCost: res.maxCost,
          start,
          b: null,
          answeredAt: null,
          settled: false,
          outcome: deferred<DialOutcome>(),
          grant: res.grant ?? null,
        };
        this.attempts.push(attempt);
        this.attempt = attempt;
        this.log.info('call authorised', {
          uniqueid,
          dst,
          prefix: rate.prefix,
          maxSeconds: res.maxSeconds,
          maxCost: res.maxCost.toString(),
          grant: res.grant ?? null,
        });
      }
      this.check();
      if (!res.ok) {
        const media =
          res.reason === 'NOCREDIT'
            ? PROMPTS.noCredit
            : res.reason === 'LIMIT'
              ? PROMPTS.tooManyCalls
              : PROMPTS.noService;
        return this.refuse(res.reason, media, uniqueid, dst, start, { recorded: true });
      }
      const attempt = this.attempt!;
      if (config.announce) {
        await this.answerA();
        // Grant mode reserves one slice, but the caller hears how long the money lasts in all.
        const minutes = res.grant
          ? maxAffordableSeconds(
              rate,
              res.available,
              account.maxCallSeconds ?? config.maxCallSeconds,
            )
          : res.maxSeconds;
        await this.sayOrAbort(balanceAnnouncement(res.available, minutes, account.currency));
      }

      this.transition('dialling');
      const outcome = await this.dial(attempt);
      if (outcome.kind === 'answered') {
        this.check();
        return; // talking: events drive the call from here
      }
      this.log.info('destination did not answer', {
        uniqueid,
        failure: outcome.failure,
        cause: outcome.cause,
      });
      await this.settleAttempt(
        attempt,
        FAILURE_DISPOSITION[outcome.failure],
        outcome.cause,
        null,
        outcome.at,
        0,
      );
      this.check();
      if (n + 1 < maxAttempts) {
        await this.sayOrAbort(PROMPTS.tryAgain);
        continue;
      }
      return this.hangUpAndFinish(FAILURE_HANGUP[outcome.failure]);
    }
  }

  /** Accountcode / endpoint / ANI, else the card flow. null when the call was refused or abandoned. */
  private async identify(): Promise<Identified | null> {
    const { store, config } = this.deps;
    // A call that names its destination has it rated together with the account (one round trip).
    const dialled = this.offered.dialled;
    const rateNumber =
      namesDestination(dialled) && VALID_DESTINATION.test(dialled) ? dialled : undefined;
    const fromChannel = await this.db(() => identifyFromChannel(store, this.offered, rateNumber));
    this.check();
    if (fromChannel) return fromChannel;
    this.cardFlow = true;
    const guard = this.deps.pinGuard ?? noPinGuard;
    const caller = this.offered.callerNumber;
    if (guard.locked(caller)) {
      await this.refuse('LOCKED', PROMPTS.pinLocked, this.nextUniqueid());
      return null;
    }
    await this.answerA();
    const pin = await identifyByPin(
      (p) => this.db(() => store.accountByPin(p)),
      this.ivr(),
      config.pinTries,
      () => {
        const nowLocked = guard.failed(caller);
        if (nowLocked)
          this.log.warn('too many wrong PINs: caller ID locked out', {
            caller: caller || 'anonymous',
          });
        return nowLocked;
      },
    );
    this.check();
    if (pin.ok) return pin.identified;
    await this.refuse('BADPIN', [], this.nextUniqueid());
    return null;
  }

  private async askDestination(): Promise<string | null> {
    await this.answerA();
    const tries = Math.max(1, this.deps.config.pinTries);
    for (let i = 0; i < tries; i++) {
      const entry = await this.ask(PROMPTS.enterDestination, MAX_DESTINATION_DIGITS + 1);
      this.check();
      if (entry.digits.length > 0) return entry.digits;
    }
    return null;
  }

  /** Originates the B leg and waits for its outcome (answer, failure); throws Aborted if the caller goes. */
  private async dial(attempt: Attempt): Promise<DialOutcome> {
    const { control, config, ids, clock } = this.deps;
    const leg = ids.leg();
    attempt.b = leg;
    this.deps.bind(leg.channelId);
    this.deps.bind(leg.otherChannelId);
    if (!this.aAnswered) void control.ring(this.aChannelId).catch(() => undefined);
    const endpoint = config.dial.split('{number}').join(attempt.dst);
    const { callerNumber, callerName } = this.offered;
    const callerId = originateCallerId(callerNumber, callerName);
    this.log.info('dialling', { uniqueid: attempt.uniqueid, endpoint, leg: leg.channelId });
    try {
      await control.originate({
        endpoint,
        callerId,
        ringTimeout: config.ringTimeout,
        channelId: leg.channelId,
        otherChannelId: leg.otherChannelId,
        originator: this.aChannelId,
      });
    } catch (err) {
      this.log.warn('originate failed', { endpoint, error: errorText(err) });
      void control.hangup(leg.channelId, 'normal').catch(() => undefined);
      attempt.outcome.resolve({
        kind: 'failed',
        failure: 'CHANUNAVAIL',
        cause: null,
        at: this.lastEventAt,
      });
    }
    const guard = clock.setTimer(
      (config.ringTimeout + (config.ringGuardSeconds ?? 10)) * 1000,
      () => {
        if (attempt.outcome.done) return;
        this.log.warn('no dial outcome from Asterisk in time; giving up on the leg', {
          leg: leg.channelId,
        });
        void control.hangup(leg.channelId, 'normal').catch(() => undefined);
        attempt.outcome.resolve({
          kind: 'failed',
          failure: 'NO ANSWER',
          cause: 19,
          at: this.lastEventAt,
        });
      },
    );
    try {
      return await this.until(attempt.outcome.promise);
    } finally {
      guard.cancel();
    }
  }

  // ---------------------------------------------------------------- talking

  private async startTalking(attempt: Attempt): Promise<void> {
    const { control, store, config, ids, clock } = this.deps;
    const b = attempt.b!.channelId;
    const a = this.aChannelId;
    const timing = {
      clock,
      graceSeconds: config.limitGraceSeconds ?? 2,
      warnBeforeSeconds: config.warnBefore,
      onWarn: () => {
        if (this._state !== 'talking') return;
        void control
          .play(a, [config.warnSound])
          .catch((err: unknown) =>
            this.log.warn('warning sound failed', { error: errorText(err) }),
          );
      },
      onLimit: () => {
        this.spawn(this.kill('limit'), 'limit');
      },
    };
    const grants = attempt.grant && config.charging && this.deps.grantStore;
    this.limit = grants
      ? new GrantController({
          ...timing,
          store: grants,
          control,
          logger: this.log,
          uniqueid: attempt.uniqueid,
          channels: [a, b],
          granted: attempt.maxSeconds,
          final: attempt.grant!.final,
          releaseMarginSeconds: config.charging!.releaseMarginSeconds,
          extendDeadlineMs: config.charging!.extendDeadlineMs,
          defaultMaxSeconds: config.maxCallSeconds,
          defaultGrantSeconds: config.charging!.grantSeconds,
          onGranted: (total) => void (attempt.maxSeconds = total),
        })
      : new LimitTimer({ ...timing, limitSeconds: attempt.maxSeconds });
    this.limit.start();
    this.log.info('answered', {
      uniqueid: attempt.uniqueid,
      leg: b,
      maxSeconds: attempt.maxSeconds,
    });
    try {
      if (!this.aAnswered) {
        await control.answer(a);
        this.aAnswered = true;
      }
      // Asterisk's own limit, counted from now (not from channel creation): it cuts only the
      // channel it is set on, so both legs get it.
      await Promise.all([
        control.setAbsoluteTimeout(a, attempt.maxSeconds),
        control.setAbsoluteTimeout(b, attempt.maxSeconds),
      ]);
      if (this._state !== 'talking') return;
      const bridgeId = ids.bridge();
      await control.createBridge(bridgeId);
      this.bridgeId = bridgeId;
      if (this._state !== 'talking') {
        await control.destroyBridge(bridgeId).catch(() => undefined);
        return;
      }
      await control.addToBridge(bridgeId, [a, b]);
    } catch (err) {
      if (this._state !== 'talking') return;
      this.log.error('could not connect the answered call; ending it', { error: errorText(err) });
      this.spawn(this.kill('lost-channel'), 'kill');
      return;
    }
    try {
      await store.markAnswered(attempt.uniqueid, attempt.answeredAt!);
    } catch (err) {
      if (this._state !== 'talking') return;
      this.log.error('store failed to record the answer; announcing and ending the call', {
        uniqueid: attempt.uniqueid,
        error: errorText(err),
      });
      await this.say(PROMPTS.error, 3);
      this.spawn(this.kill('store-error'), 'kill');
    }
  }

  /** Ends a talking call: hang up the leg still up, destroy the bridge, settle once. */
  private async endTalk(
    at: Date,
    cause: number | null,
    by: 'caller' | 'callee' | 'kill',
  ): Promise<void> {
    if (this._state !== 'talking') return;
    this.transition('ending');
    this.limit?.close();
    const attempt = this.attempt!;
    const { control } = this.deps;
    const b = attempt.b!.channelId;
    this.log.info('call ended', { uniqueid: attempt.uniqueid, by, reason: this.killReason, cause });
    const work: Promise<unknown>[] = [];
    if (by !== 'caller') work.push(control.hangup(this.aChannelId, 'normal'));
    if (by !== 'callee') work.push(control.hangup(b, 'normal'));
    if (this.bridgeId) work.push(control.destroyBridge(this.bridgeId));
    for (const r of await Promise.allSettled(work)) {
      if (r.status === 'rejected')
        this.log.warn('cleanup after the call failed', { error: errorText(r.reason) });
    }
    const billsec = secondsBetween(attempt.answeredAt!, at);
    await this.settleAttempt(attempt, 'ANSWERED', cause ?? 16, attempt.answeredAt, at, billsec);
    this.finish();
  }

  // ---------------------------------------------------------------- endings before the answer

  /** The caller hung up (or the call was killed) before the answer. */
  private async abandon(): Promise<void> {
    if (this._state === 'ending' || this._state === 'settled') return;
    if (this._state === 'talking') return; // the event path ends it
    this.transition('ending');
    const { control, clock } = this.deps;
    const a = this.attempt;
    if (a && !a.settled) {
      if (a.b) await control.hangup(a.b.channelId, 'normal').catch(() => undefined);
      const end = this.aEnded?.at ?? this.lastEventAt ?? clock.now();
      const talked = a.answeredAt !== null && a.answeredAt.getTime() <= end.getTime();
      this.log.info('caller went away before the answer', {
        uniqueid: a.uniqueid,
        ringing: a.b !== null,
      });
      await this.settleAttempt(
        a,
        talked ? 'ANSWERED' : 'CANCEL',
        this.aEnded?.cause ?? 16,
        talked ? a.answeredAt : null,
        end,
        talked ? secondsBetween(a.answeredAt!, end) : 0,
      );
    } else if (this.attempts.length === 0) {
      // Nothing was dialled yet (PIN or destination entry, lookups): the attempt still leaves a CDR.
      const reason: RefusalReason = this.killReason === 'shutdown' ? 'SHUTDOWN' : 'ABANDONED';
      this.log.info('caller went away before dialling', {
        state: this.account ? 'identified' : 'unidentified',
        reason,
        killed: this.killReason,
      });
      await this.recordRefusal(
        reason,
        this.nextUniqueid(),
        this.destination ?? (namesDestination(this.offered.dialled) ? this.offered.dialled : ''),
        this.offered.at,
        {
          end: this.aEnded?.at ?? this.lastEventAt ?? clock.now(),
          ...(this.killReason ? { note: `ended by astbill: ${this.killReason}` } : {}),
        },
      );
    } else {
      this.log.info('caller went away', { state: this.account ? 'identified' : 'unidentified' });
    }
    if (!this.aEnded) await control.hangup(this.aChannelId, 'normal').catch(() => undefined);
    this.finish();
  }

  /** Refuses the call attempt: FAILED CDR with `reason` (unless the store wrote it), announcement, hangup. */
  private async refuse(
    reason: RefusalReason,
    media: readonly string[],
    uniqueid: string,
    dst: string = this.offered.dialled ?? '',
    start: Date = this.lastEventAt,
    opts: { recorded?: boolean } = {},
  ): Promise<void> {
    this.transition('ending');
    this.log.info('call refused', { uniqueid, reason, dst });
    if (!opts.recorded) await this.recordRefusal(reason, uniqueid, dst, start);
    else this.metrics.callFinished(reason);
    if (media.length > 0 && !this.abort.signal.aborted) {
      await this.answerA().catch(() => undefined);
      await this.say(media);
    }
    await this.hangUpAndFinish(reason === 'LIMIT' ? 'congestion' : 'normal');
  }

  /** A store or unexpected error before the answer: fail closed (never an unlimited call). */
  private async failClosed(err: unknown): Promise<void> {
    if (this._state === 'ending' || this._state === 'settled' || this._state === 'talking') {
      this.log.error('call flow failed', { state: this._state, error: errorText(err) });
      return;
    }
    this.log.error('call failed; announcing and hanging up', {
      state: this._state,
      error: errorText(err),
    });
    this.transition('ending');
    const a = this.attempt;
    if (a && !a.settled) {
      if (a.b) await this.deps.control.hangup(a.b.channelId, 'normal').catch(() => undefined);
      await this.settleAttempt(a, 'FAILED', null, null, this.lastEventAt, 0);
    } else if (err instanceof StoreFailure) {
      await this.recordRefusal(
        'DBERROR',
        this.nextUniqueid(),
        this.destination ?? this.offered.dialled ?? '',
        this.lastEventAt,
      );
    }
    if (!this.abort.signal.aborted) {
      await this.answerA().catch(() => undefined);
      await this.say(PROMPTS.error);
    }
    await this.hangUpAndFinish('normal');
  }

  /** Writes the CDR of an attempt refused (or abandoned) before authorisation, and counts it. Never throws. */
  private async recordRefusal(
    reason: RefusalReason,
    uniqueid: string,
    dst: string,
    start: Date,
    extra: { end?: Date; note?: string } = {},
  ): Promise<void> {
    this.metrics.callFinished(reason);
    try {
      await this.deps.store.recordRefusal({
        uniqueid,
        accountId: this.account?.id ?? null,
        src: this.offered.callerNumber,
        dst,
        reason,
        node: this.deps.config.node,
        start,
        ...extra,
      });
    } catch (err) {
      this.log.error('could not record the refusal', { uniqueid, reason, error: errorText(err) });
    }
  }

  private async hangUpAndFinish(reason: HangupReason): Promise<void> {
    if (this._state !== 'ending') this.transition('ending');
    if (!this.aEnded)
      await this.deps.control
        .hangup(this.aChannelId, reason)
        .catch((err: unknown) => this.log.warn('hangup failed', { error: errorText(err) }));
    this.finish();
  }

  private finish(): void {
    if (this._state === 'settled') return;
    this.transition('settled');
    this.limit?.close();
    this.abort.abort(ENDED);
    for (const a of this.attempts) if (a.b) this.deps.control.forgetLeg(a.b.channelId);
    try {
      this.deps.onFinished();
    } finally {
      this.done.resolve();
    }
  }

  // ---------------------------------------------------------------- settlement

  private async settleAttempt(
    attempt: Attempt,
    disposition: Disposition,
    cause: number | null,
    answer: Date | null,
    end: Date,
    billsec: number,
  ): Promise<void> {
    if (attempt.settled) return;
    const { store, clock } = this.deps;
    const unseen = attempt === this.attempt ? this.unseenEnd : null;
    const note = this.killReason
      ? `ended by astbill: ${this.killReason}${unseen ? `; ${describeEnd(unseen)}` : ''}`
      : undefined;
    for (let i = 1; ; i++) {
      try {
        const res = await store.settle({
          uniqueid: attempt.uniqueid,
          disposition,
          hangupCause: cause,
          answer,
          end,
          billsec,
          ...(note ? { note } : {}),
          ...(unseen ? { endSource: unseen.source } : {}),
        });
        attempt.settled = true;
        this.metrics.callFinished(disposition);
        if (res.pending) this.metrics.settlementFailed();
        this.log.info('call settled', {
          uniqueid: attempt.uniqueid,
          disposition,
          billsec: res.billsec,
          cost: res.cost.toString(),
          balanceAfter: res.balanceAfter.toString(),
          again: !res.settled,
        });
        return;
      } catch (err) {
        if (i >= 3) {
          this.metrics.callFinished(disposition);
          this.metrics.settlementFailed();
          this.log.error('SETTLEMENT FAILED: the reservation stays until housekeeping settles it', {
            uniqueid: attempt.uniqueid,
            disposition,
            billsec,
            error: errorText(err),
          });
          return;
        }
        this.log.warn('settlement failed; retrying', {
          uniqueid: attempt.uniqueid,
          error: errorText(err),
        });
        await sleep(clock, 250 * 2 ** i);
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Runs background work of this call; a failure is logged, never an unhandled rejection. */
  private spawn(p: Promise<unknown>, what: string): void {
    p.catch((err: unknown) => {
      this.log.error(`${what} failed`, {
        state: this._state,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
      if (this._state !== 'settled' && this._state !== 'ending') {
        // Never leave a call without an owner: end it through the kill path.
        void this.kill('lost-channel').catch(() => undefined);
      }
    });
  }

  private transition(to: SessionState): void {
    const from = this._state;
    if (from === to) return;
    if (!ALLOWED[from].includes(to)) {
      this.log.warn('state change refused', { from, to });
      throw new Error(`call state ${from} cannot become ${to}`);
    }
    this._state = to;
    this.log.debug('state', { from, to });
  }

  private nextUniqueid(): string {
    const n = this.attempts.length;
    return n === 0 ? this.aChannelId : `${this.aChannelId}.${n}`;
  }

  /** Throws Aborted when the caller has gone or the call was killed. */
  private check(): void {
    if (this.abort.signal.aborted) throw new Aborted('caller gone');
  }

  /** Waits for `p`, throwing Aborted as soon as the caller goes. */
  private until<T>(p: Promise<T>): Promise<T> {
    const signal = this.abort.signal;
    if (signal.aborted) return Promise.reject(new Aborted('caller gone'));
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(new Aborted('caller gone'));
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  private async db<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new StoreFailure(errorText(err), { cause: err });
    }
  }

  private async answerA(): Promise<void> {
    if (this.aAnswered) return;
    await this.deps.control.answer(this.aChannelId);
    this.aAnswered = true;
  }

  /**
   * Plays to the end; returns early (stopping it) when the caller goes or after `maxSeconds`
   * (default 120: a PlaybackFinished that never comes must not hold a call forever).
   */
  private async say(media: readonly string[], maxSeconds = 120): Promise<void> {
    const { control, clock } = this.deps;
    let handle;
    try {
      handle = await control.play(this.aChannelId, media);
    } catch (err) {
      this.log.warn('could not play a prompt', { media, error: errorText(err) });
      return;
    }
    const stop = new AbortController();
    const onAbort = (): void => stop.abort(ENDED);
    this.abort.signal.addEventListener('abort', onAbort, { once: true });
    const waits: Promise<unknown>[] = [
      handle.finished,
      new Promise<void>((r) => stop.signal.addEventListener('abort', () => r(), { once: true })),
    ];
    let capped = false;
    waits.push(
      sleep(clock, maxSeconds * 1000, stop.signal).then(() => void (capped = !stop.signal.aborted)),
    );
    await Promise.race(waits);
    this.abort.signal.removeEventListener('abort', onAbort);
    stop.abort(ENDED);
    if (this.abort.signal.aborted || capped)
      void control.stopPlayback(handle.id).catch(() => undefined);
  }

  private async sayOrAbort(media: readonly string[]): Promise<void> {
    await this.say(media);
    this.check();
  }

  private ask(prompt: readonly string[], maxDigits: number): Promise<Collected> {
    const { control, config } = this.deps;
    return this.digits.collect({
      prompt: {
        start: async () => {
          const h = await control.play(this.aChannelId, prompt);
          return { finished: h.finished, stop: () => control.stopPlayback(h.id) };
        },
      },
      timeoutSeconds: config.digitTimeout,
      maxDigits,
      signal: this.abort.signal,
    });
  }

  private ivr(): Ivr {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      say: (media) => self.say(media),
      ask: (prompt, max) => self.ask(prompt, max),
      get aborted() {
        return self.abort.signal.aborted;
      },
    };
  }
}

/**
 * The caller ID handed to the B leg: quotes stripped from the name and both parts capped, so
 * that a hostile or broken caller ID (10 kB, say) cannot make the originate request fail.
 */
export function originateCallerId(
  number: string | null | undefined,
  name: string | null | undefined,
): string {
  const num = (number ?? '').slice(0, 40);
  if (!num) return '';
  const display = (name ?? '').replace(/["<>]/g, '').slice(0, 40);
  return display ? `"${display}" <${num}>` : num;
}

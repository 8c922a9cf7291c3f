/**
 * One callback call (two legs, both charged), as an explicit state machine (the table is
 * CALLBACK_ALLOWED in callback-context.ts):
 *
 *   authorised → calling-a → calling-b → talking → ending → settled
 *
 * Both legs were authorised together (store/tx/authorise-callback.ts: one common maximum T with
 * cost_A(T) + cost_B(T) ≤ available). Leg A is originated first; when A answers, its answer is
 * recorded (markAnswered, so that recovery bills it; on time-banded legs T is priced again from
 * A's answer in the same transaction, tx/time-callback-b.ts), Asterisk gets TIMEOUT(absolute) =
 * what is left of T since A's answer (A's clock runs from its answer; the daemon clock and
 * Asterisk's timestamps share one time base) and leg B is originated. When B answers, B's time
 * is computed from A's (store/tx/time-callback-b.ts: cost_A(ring + T_B) + cost_B(T_B) ≤ the
 * money, both legs ending together, each leg priced from its own answer; none fits: the callback
 * ends at once), both legs get TIMEOUT(absolute) = what is left of that common end, they are
 * bridged, and the daemon's own limit timer runs as well (callback-connect.ts). A callback still
 * up when the daemon restarts is resumed as one call (adopt, from reconcile.ts).
 * Either leg hanging up, the limit or the one kill path ends both; each leg is settled once
 * with the ordinary settle transaction (settlement.ts), billsec from its own answer:
 *
 *   A does not answer           A: its failure (NO ANSWER/BUSY/…), B: CANCEL (not dialled); nothing charged
 *   B does not answer           A: ANSWERED, billed for its connected time per tariff; B: its failure, 0
 *   A hangs up while B rings    A: ANSWERED (connected time); B: CANCEL, 0
 *   both talked                 A and B: ANSWERED, each billed from its own answer
 *
 * Dialling (dialler.ts), the failure's disposition (dial-failure.ts) and the kill path
 * (kill-call.ts) are the ordinary call's. Sessions never see ARI: events come in as CallEvents
 * and go out through CallControl.
 */
import type { Logger } from '../log.js';
import type { CallEvent, LegAnswered } from './call-events.js';
import { CallScope, deferred, errorText } from './call-scope.js';
import { connectA, connectB, resumeCallback } from './callback-connect.js';
import {
  CALLBACK_ALLOWED,
  type CallbackContext,
  type CallbackDeps,
  type CallbackEnd,
  type CallbackState,
} from './callback-context.js';
import {
  type AdoptableCallback,
  type AdoptedLeg,
  type CallbackLeg,
  type CallbackOrder,
  type ResumedOrder,
} from './callback-legs.js';
import type { LiveCallSnapshot } from './call-context.js';
import { endBothLegs } from './callback-end.js';
import { dialCallbackLeg } from './callback-dial.js';
import type { CallbackAuthoriseResult } from './grant-ports.js';
import { CallerIvr } from './ivr.js';
import { hangUpAndWait, type KillReason } from './kill-call.js';
import type { UnseenEnd } from './unseen-end.js';
import type { Account } from './ports.js';
import type { RegisteredSession } from './registry.js';
import { StateMachine } from './state-machine.js';

export type { CallbackConfig, CallbackDeps, CallbackState } from './callback-context.js';
export type {
  AdoptableCallback,
  AdoptedLeg,
  CallbackOrder,
  ResumedOrder,
} from './callback-legs.js';

export class CallbackSession implements RegisteredSession {
  readonly callbackId: string;
  private readonly c: CallbackContext;
  private readonly log: Logger;
  private readonly done = deferred<void>();
  private readonly created: Date;

  /** `adopted`: a callback of an earlier run, rebuilt with its ids (then adopt(), never authorise()). */
  constructor(
    readonly order: CallbackOrder | ResumedOrder,
    private readonly deps: CallbackDeps,
    adopted?: AdoptableCallback,
  ) {
    const ids = (l: AdoptedLeg) => ({
      uniqueid: l.uniqueid,
      channelId: l.channel,
      otherChannelId: `${l.channel}-2`,
    });
    const fresh = () => {
      const l = deps.ids.leg();
      return { uniqueid: l.channelId, ...l };
    };
    const legA = adopted ? ids(adopted.a) : fresh();
    const legB = adopted ? ids(adopted.b) : fresh();
    this.callbackId = adopted?.callbackId ?? `${legA.uniqueid}-cb`;
    const leg = (name: 'a' | 'b', ch: typeof legA): CallbackLeg => ({
      name,
      number: order[name].number,
      rate: order[name].rate,
      routes: ('routes' in order[name] ? order[name].routes : null) ?? null,
      ...ch,
      answeredAt: null,
      limitFrom: null,
      dialled: false,
      settled: false,
      outcome: null,
    });
    const log = deps.logger.child({ callback: this.callbackId });
    this.log = log;
    const scope = new CallScope();
    const ivrOn = (channelId: string) =>
      new CallerIvr({
        channelId,
        control: deps.control,
        clock: deps.clock,
        log,
        scope,
        digitTimeout: 0,
      });
    this.c = {
      deps,
      log,
      machine: new StateMachine<CallbackState>(CALLBACK_ALLOWED, 'authorised', log, 'callback'),
      order,
      a: leg('a', legA),
      b: leg('b', legB),
      scope,
      ivrA: ivrOn(legA.channelId),
      maxSeconds: 0,
      available: 0n,
      endAt: 0,
      timers: [],
      limit: null,
      bridgeId: null,
      otherEnd: null,
      killReason: null,
      kill: (reason) => this.kill(reason),
      dial: (l, callerId, originator) =>
        dialCallbackLeg(
          this.c,
          l,
          callerId,
          originator,
          (at, how) => this.end(at, how),
          (moved) => {
            if (moved.name === 'a') this.c.ivrA = ivrOn(moved.channelId);
          },
        ),
    };
    this.created = deps.clock.now();
  }

  get finished(): Promise<void> {
    return this.done.promise;
  }

  get aChannelId(): string {
    return this.c.a.channelId;
  }

  get bChannelId(): string {
    return this.c.b.channelId;
  }

  get state(): CallbackState {
    return this.c.machine.state;
  }

  get grantedSeconds(): number {
    return this.c.maxSeconds;
  }

  get account(): Account {
    return this.order.account;
  }

  /** The legs' CDR uniqueids (the channel ids they were first dialled on). */
  get uniqueids(): { a: string; b: string } {
    return { a: this.c.a.uniqueid, b: this.c.b.uniqueid };
  }

  /** What GET /calls shows for this callback (its A leg's reservation). */
  info(): Omit<LiveCallSnapshot, 'state'> & { state: string } {
    const { a, b } = this.c;
    return {
      id: a.uniqueid,
      state: `callback ${this.state}`,
      account: this.order.account.name,
      destination: `${a.number} -> ${b.number}`,
      callerNumber: null,
      answeredAt: a.answeredAt,
      grantedSeconds: this.c.maxSeconds || null,
    };
  }

  openUniqueids(): string[] {
    return [this.c.a, this.c.b]
      .filter((l) => !l.settled && this.c.maxSeconds > 0)
      .map((l) => l.uniqueid);
  }

  channelsToCheck(): string[] {
    if (this.state === 'calling-b') return [this.c.a.channelId];
    if (this.state === 'talking') return [this.c.a.channelId, this.c.b.channelId];
    return [];
  }

  ringingLegs(): string[] {
    const leg =
      this.state === 'calling-a' ? this.c.a : this.state === 'calling-b' ? this.c.b : null;
    return leg?.dialled && !leg.answeredAt && !leg.outcome?.done ? [leg.channelId] : [];
  }

  /**
   * The channels that prove one leg's talk time (checkpointer), once it answered: while B rings,
   * A alone; once bridged, both (either leg's end ends the callback, and so both legs' time).
   */
  channelsToCheckFor(uniqueid: string): string[] {
    if (!this.c.machine.in('calling-b', 'talking')) return [];
    const { a, b } = this.c;
    const leg = uniqueid === a.uniqueid ? a : uniqueid === b.uniqueid ? b : null;
    if (!leg?.answeredAt) return [];
    return leg === a ? this.channelsToCheck() : [a.channelId, b.channelId];
  }

  /** Reserves both legs in one transaction; the caller starts the call only when ok. */
  async authorise(): Promise<CallbackAuthoriseResult> {
    const { grants, config } = this.deps;
    const { a, b } = this.c;
    const [rateA, rateB] = [a.rate, b.rate];
    if (!rateA || !rateB) throw new Error('a resumed callback is never authorised again');
    const res = await grants.authoriseCallback({
      callbackId: this.callbackId,
      accountId: this.order.account.id,
      node: config.node,
      start: this.created,
      defaultMaxSeconds: config.maxCallSeconds,
      a: { uniqueid: a.uniqueid, number: a.number, rate: rateA },
      b: { uniqueid: b.uniqueid, number: b.number, rate: rateB },
    });
    if (res.ok) {
      this.c.maxSeconds = res.maxSeconds;
      this.c.available = res.available;
      this.log.info('callback authorised', {
        account: this.order.account.name,
        a: a.number,
        b: b.number,
        maxSeconds: res.maxSeconds,
      });
    }
    return res;
  }

  /** Dials leg A; resolves when both legs are settled. Never rejects. */
  start(): Promise<void> {
    if (this.state === 'authorised') {
      this.c.machine.to('calling-a');
      void this.c
        .dial(this.c.a, this.c.b.number, '')
        .catch((err: unknown) =>
          this.log.error('dialling leg A failed', { error: errorText(err) }),
        );
    }
    return this.finished;
  }

  /** Restart reconciliation: supervises a callback an earlier run bridged (callback-connect.ts). */
  adopt(call: AdoptableCallback): Promise<void> {
    if (this.state !== 'authorised') throw new Error('adopt(): the callback has started already');
    this.c.machine.to('talking');
    resumeCallback(this.c, call);
    return this.finished;
  }

  // ---------------------------------------------------------------- events

  handle(ev: CallEvent): void {
    const { a, b } = this.c;
    const state = this.state;
    try {
      switch (ev.kind) {
        case 'leg-answered':
          if (ev.channelId === a.channelId && state === 'calling-a') this.onAnswered(a, ev);
          else if (ev.channelId === b.channelId && state === 'calling-b') this.onAnswered(b, ev);
          else this.stray(ev.channelId);
          return;
        case 'leg-failed': {
          const leg = ev.channelId === a.channelId ? a : ev.channelId === b.channelId ? b : null;
          if (leg && state === (leg === a ? 'calling-a' : 'calling-b'))
            leg.outcome?.resolve({
              kind: 'failed',
              failure: ev.failure,
              cause: ev.cause,
              at: ev.at,
            });
          return;
        }
        case 'leg-ended':
          if (this.c.otherEnd?.channelId === ev.channelId) this.c.otherEnd.at.resolve(ev.at);
          if (ev.channelId === a.channelId && this.c.machine.in('calling-b', 'talking'))
            void this.end(ev.at, { cause: ev.cause, by: 'a' });
          else if (ev.channelId === b.channelId && state === 'talking')
            void this.end(ev.at, { cause: ev.cause, by: 'b' });
          return;
        default:
          return;
      }
    } catch (err) {
      this.log.error('callback event handling failed', { event: ev.kind, error: errorText(err) });
    }
  }

  private stray(channelId: string): void {
    this.log.warn('a callback leg answered when it was not expected; hanging it up', {
      leg: channelId,
      state: this.state,
    });
    void this.deps.control.hangup(channelId, 'normal').catch(() => undefined);
  }

  private onAnswered(leg: CallbackLeg, ev: LegAnswered): void {
    leg.answeredAt = ev.at;
    leg.limitFrom = ev.notBefore ?? ev.at;
    leg.outcome?.resolve({ kind: 'answered' });
    if (leg.name === 'a') {
      this.c.machine.to('calling-b');
      void connectA(this.c).catch((err: unknown) => {
        this.log.error('could not go on after leg A answered; ending the callback', {
          error: errorText(err),
        });
        void this.kill('lost-channel');
      });
      return;
    }
    this.c.machine.to('talking');
    void connectB(this.c).catch((err: unknown) => {
      if (this.state !== 'talking') return;
      this.log.error('could not bridge the callback legs; ending it', { error: errorText(err) });
      void this.kill('lost-channel');
    });
  }

  // ---------------------------------------------------------------- the end

  /**
   * Ends the callback on astbill's initiative (limit, housekeeping, API, shutdown). `unseen`:
   * it already ended unseen (live-check.ts): each answered leg is billed to that end.
   */
  async kill(reason: KillReason, unseen?: UnseenEnd): Promise<void> {
    if (this.c.machine.in('ending', 'settled')) return this.finished;
    this.c.killReason ??= reason;
    if (unseen) return this.end(unseen.end, { cause: null, by: 'kill', endSource: unseen.source });
    const { control, clock, config } = this.deps;
    await hangUpAndWait({
      control,
      clock,
      log: this.log,
      reason,
      hangupWaitSeconds: config.hangupWaitSeconds,
      channels: [this.c.a, this.c.b].filter((l) => l.dialled).map((l) => l.channelId),
      finished: this.finished,
      stillUp: () => !this.c.machine.in('ending', 'settled'),
      ...(this.deps.confirmedUp ? { confirmedUp: this.deps.confirmedUp } : {}),
      endHere: (at) => this.end(at, { cause: null, by: 'kill' }),
      what: 'callback',
    });
  }

  /** Ends both legs once (callback-end.ts), then finishes. */
  private async end(at: Date, how: CallbackEnd): Promise<void> {
    if (await endBothLegs(this.c, at, how)) this.finish();
  }

  private finish(): void {
    if (this.state === 'settled') return;
    this.c.machine.to('settled');
    for (const leg of [this.c.a, this.c.b])
      if (leg.dialled) this.deps.control.forgetLeg(leg.channelId);
    try {
      this.deps.onFinished();
    } finally {
      this.done.resolve();
    }
  }
}

/**
 * One callback call (two legs, both charged), as an explicit state machine:
 *
 *   authorised → calling-a → calling-b → talking → ending → settled
 *
 * Both legs were authorised together (store/tx/authorise-callback.ts: one common maximum T with
 * cost_A(T) + cost_B(T) ≤ available). Leg A is originated first; when A answers, its answer is
 * recorded (markAnswered, so that recovery bills it), Asterisk gets TIMEOUT(absolute) = what is
 * left of T since A's answer (A's clock runs from its answer; the daemon clock and Asterisk's
 * timestamps share one time base) and leg B is originated. When B answers, B's time is computed
 * from A's (store/tx/time-callback-b.ts: cost_A(ring + T_B) + cost_B(T_B) ≤ the money, both
 * legs ending together), both legs get TIMEOUT(absolute) = what is left of that common end, they
 * are bridged, and the daemon's own limit timer runs as well. A callback still up when the daemon
 * restarts is resumed as one call (adopt, from reconcile.ts).
 * Either leg hanging up, the limit or the one kill path ends both; each leg is settled once
 * with the ordinary settle transaction, billsec from its own answer:
 *
 *   A does not answer           A: its failure (NO ANSWER/BUSY/…), B: CANCEL (not dialled); nothing charged
 *   B does not answer           A: ANSWERED, billed for its connected time per tariff; B: its failure, 0
 *   A hangs up while B rings    A: ANSWERED (connected time); B: CANCEL, 0
 *   both talked                 A and B: ANSWERED, each billed from its own answer
 *
 * Sessions never see ARI: events come in as CallEvents and go out through CallControl.
 */
import type { Logger } from '../log.js';
import type { Money } from '../rating/index.js';
import type { CallControl, HangupReason } from './call-control-port.js';
import type { CallEvent } from './call-events.js';
import type { SessionConfig } from './call-session.js';
import { sleep, type DaemonClock, type TimerHandle } from './clock.js';
import type { CallbackAuthoriseResult, CallbackGrantStore } from './grant-ports.js';
import type { IdFactory } from './ids.js';
import type { KillReason } from './kill-call.js';
import type { Account, BillingStore, Disposition, SettleRequest } from './ports.js';
import { balanceAnnouncement } from './prompts.js';
import type { RegisteredSession } from './registry.js';
import {
  errorText,
  FAILURE_DISPOSITION,
  legSettleRequest,
  timeLegB,
  type AdoptableCallback,
  type AdoptedLeg,
  type CallbackLeg as Leg,
  type CallbackOrder,
  type ResumedOrder,
} from './callback-legs.js';

export type {
  AdoptableCallback,
  AdoptedLeg,
  CallbackOrder,
  ResumedOrder,
} from './callback-legs.js';

export type CallbackState =
  'authorised' | 'calling-a' | 'calling-b' | 'talking' | 'ending' | 'settled';

/** The call-session settings a callback uses (`announce`: tell leg A the balance and the minutes before B is dialled). */
export type CallbackConfig = Pick<
  SessionConfig,
  | 'dial'
  | 'node'
  | 'ringTimeout'
  | 'maxCallSeconds'
  | 'warnBefore'
  | 'warnSound'
  | 'announce'
  | 'limitGraceSeconds'
  | 'hangupWaitSeconds'
  | 'ringGuardSeconds'
>;

export interface CallbackDeps {
  /** Settles the legs (the daemon's store: deadlines and journal included). */
  store: BillingStore;
  /** Authorises both legs in one transaction, and times B from A when B answers. */
  grants: CallbackGrantStore;
  control: CallControl;
  logger: Logger;
  clock: DaemonClock;
  ids: IdFactory;
  config: CallbackConfig;
  bind(channelId: string): void;
  onFinished(): void;
}

export class CallbackSession implements RegisteredSession {
  readonly callbackId: string;
  private _state: CallbackState = 'authorised';
  private readonly a: Leg;
  private readonly b: Leg;
  private readonly log: Logger;
  private maxSeconds = 0;
  private available: Money = 0n;
  /** The common end of both legs (ms): A's answer + T, then B's answer + B's time. */
  private endAt = 0;
  private timers: TimerHandle[] = [];
  private bridgeId: string | null = null;
  private killReason: KillReason | null = null;
  private doneResolve!: () => void;
  readonly finished: Promise<void>;
  private readonly created: Date;

  /** `adopted`: a callback of an earlier run, rebuilt with its ids (then adopt(), never authorise()). */
  constructor(
    readonly order: CallbackOrder | ResumedOrder,
    private readonly deps: CallbackDeps,
    adopted?: AdoptableCallback,
  ) {
    const ids = (l: AdoptedLeg) => ({ channelId: l.uniqueid, otherChannelId: `${l.uniqueid}-2` });
    const legA = adopted ? ids(adopted.a) : deps.ids.leg();
    const legB = adopted ? ids(adopted.b) : deps.ids.leg();
    this.callbackId = adopted?.callbackId ?? `${legA.channelId}-cb`;
    this.a = {
      number: order.a.number,
      rate: order.a.rate,
      ...legA,
      answeredAt: null,
      dialled: false,
      settled: false,
    };
    this.b = {
      number: order.b.number,
      rate: order.b.rate,
      ...legB,
      answeredAt: null,
      dialled: false,
      settled: false,
    };
    this.log = deps.logger.child({ callback: this.callbackId });
    this.finished = new Promise<void>((r) => (this.doneResolve = r));
    this.created = deps.clock.now();
  }

  get aChannelId(): string {
    return this.a.channelId;
  }

  get bChannelId(): string {
    return this.b.channelId;
  }

  get state(): CallbackState {
    return this._state;
  }

  get grantedSeconds(): number {
    return this.maxSeconds;
  }

  get account(): Account {
    return this.order.account;
  }

  /** The legs' CDR uniqueids (their channel ids). */
  get uniqueids(): { a: string; b: string } {
    return { a: this.a.channelId, b: this.b.channelId };
  }

  /** What GET /calls shows for this callback (its A leg's reservation). */
  info(): {
    id: string;
    state: string;
    account: string | null;
    destination: string | null;
    callerNumber: string | null;
    answeredAt: Date | null;
    grantedSeconds: number | null;
  } {
    return {
      id: this.a.channelId,
      state: `callback ${this._state}`,
      account: this.order.account.name,
      destination: `${this.a.number} -> ${this.b.number}`,
      callerNumber: null,
      answeredAt: this.a.answeredAt,
      grantedSeconds: this.maxSeconds || null,
    };
  }

  openUniqueids(): string[] {
    return [this.a, this.b]
      .filter((l) => !l.settled && this.maxSeconds > 0)
      .map((l) => l.channelId);
  }

  channelsToCheck(): string[] {
    if (this._state === 'calling-b') return [this.a.channelId];
    if (this._state === 'talking') return [this.a.channelId, this.b.channelId];
    return [];
  }

  /** The channel that proves one leg's talk time (checkpointer): the leg itself, once answered. */
  channelsToCheckFor(uniqueid: string): string[] {
    if (this._state !== 'calling-b' && this._state !== 'talking') return [];
    const leg =
      uniqueid === this.a.channelId ? this.a : uniqueid === this.b.channelId ? this.b : null;
    return leg?.answeredAt ? [leg.channelId] : [];
  }

  /** Reserves both legs in one transaction; the caller starts the call only when ok. */
  async authorise(): Promise<CallbackAuthoriseResult> {
    const { grants, config } = this.deps;
    const [rateA, rateB] = [this.a.rate, this.b.rate];
    if (!rateA || !rateB) throw new Error('a resumed callback is never authorised again');
    const res = await grants.authoriseCallback({
      callbackId: this.callbackId,
      accountId: this.order.account.id,
      node: config.node,
      start: this.created,
      defaultMaxSeconds: config.maxCallSeconds,
      a: { uniqueid: this.a.channelId, number: this.a.number, rate: rateA },
      b: { uniqueid: this.b.channelId, number: this.b.number, rate: rateB },
    });
    if (res.ok) {
      this.maxSeconds = res.maxSeconds;
      this.available = res.available;
      this.log.info('callback authorised', {
        account: this.order.account.name,
        a: this.a.number,
        b: this.b.number,
        maxSeconds: res.maxSeconds,
      });
    }
    return res;
  }

  /** Dials leg A; resolves when both legs are settled. Never rejects. */
  start(): Promise<void> {
    if (this._state === 'authorised') {
      this._state = 'calling-a';
      void this.dial(this.a, this.b.number, '').catch((err: unknown) =>
        this.log.error('dialling leg A failed', { error: errorText(err) }),
      );
    }
    return this.finished;
  }

  /**
   * Restart reconciliation: supervises a callback an earlier run bridged, still up in Asterisk,
   * as one two-leg call. Talking with that bridge; the common end is the earlier of the legs'
   * grant ends (equal once B was timed from A); TIMEOUT(absolute) is set again on both legs and
   * the limit timer armed; either leg ending ends both, each settled from its own answer.
   */
  adopt(call: AdoptableCallback): Promise<void> {
    if (this._state !== 'authorised') throw new Error('adopt(): the callback has started already');
    const { control } = this.deps;
    this._state = 'talking';
    this.bridgeId = call.bridgeId;
    for (const [leg, from] of [
      [this.a, call.a],
      [this.b, call.b],
    ] as const) {
      leg.answeredAt = from.answer;
      leg.dialled = true;
      this.deps.bind(leg.channelId);
      this.deps.bind(leg.otherChannelId);
    }
    this.maxSeconds = call.a.maxSeconds;
    this.endAt = Math.min(
      call.a.answer.getTime() + call.a.maxSeconds * 1000,
      call.b.answer.getTime() + call.b.maxSeconds * 1000,
    );
    const left = this.secondsLeft();
    this.log.warn('supervising a callback that outlived the daemon', {
      a: this.a.channelId,
      b: this.b.channelId,
      secondsLeft: left,
    });
    if (left < 1) {
      void this.kill('limit');
      return this.finished;
    }
    this.armLimit();
    void Promise.all([
      control.setAbsoluteTimeout(this.a.channelId, left),
      control.setAbsoluteTimeout(this.b.channelId, left),
    ]).catch((err: unknown) => {
      if (this._state !== 'talking') return;
      this.log.error('could not set the limit again on an adopted callback; ending it', {
        error: errorText(err),
      });
      void this.kill('lost-channel');
    });
    return this.finished;
  }

  // ---------------------------------------------------------------- events

  handle(ev: CallEvent): void {
    try {
      switch (ev.kind) {
        case 'leg-answered':
          if (ev.channelId === this.a.channelId && this._state === 'calling-a')
            this.onAAnswered(ev.at);
          else if (ev.channelId === this.b.channelId && this._state === 'calling-b')
            this.onBAnswered(ev.at);
          else this.stray(ev.channelId);
          return;
        case 'leg-failed':
          if (ev.channelId === this.a.channelId && this._state === 'calling-a')
            void this.end(ev.at, { a: FAILURE_DISPOSITION[ev.failure], cause: ev.cause, by: 'a' });
          else if (ev.channelId === this.b.channelId && this._state === 'calling-b')
            void this.end(ev.at, { b: FAILURE_DISPOSITION[ev.failure], cause: ev.cause, by: 'b' });
          return;
        case 'leg-ended':
          if (
            ev.channelId === this.a.channelId &&
            (this._state === 'calling-b' || this._state === 'talking')
          )
            void this.end(ev.at, { cause: ev.cause, by: 'a' });
          else if (ev.channelId === this.b.channelId && this._state === 'talking')
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
      state: this._state,
    });
    void this.deps.control.hangup(channelId, 'normal').catch(() => undefined);
  }

  private onAAnswered(at: Date): void {
    this.a.answeredAt = at;
    this._state = 'calling-b';
    void this.connectA().catch((err: unknown) => {
      this.log.error('could not go on after leg A answered; ending the callback', {
        error: errorText(err),
      });
      void this.kill('lost-channel');
    });
  }

  private async connectA(): Promise<void> {
    const { control, config, clock } = this.deps;
    // A's clock runs from its answer (Asterisk's timestamp): whatever time passed before this
    // request comes off its limit, so that A never talks past T (rounded down: never free talk).
    this.endAt = this.a.answeredAt!.getTime() + this.maxSeconds * 1000;
    const left = this.secondsLeft();
    if (left < 1) {
      void this.kill('limit');
      return;
    }
    await control.setAbsoluteTimeout(this.a.channelId, left);
    this.armLimit();
    // The answer reaches the database before the announcement, else right after B's origination
    // (awaiting it first would dial B later); a failure ends the callback.
    const recorded = config.announce ? this.recordAnswer(this.a) : null;
    this.log.info('leg A answered', { leg: this.a.channelId, maxSeconds: this.maxSeconds });
    if (config.announce) {
      const h = await control
        .play(
          this.a.channelId,
          balanceAnnouncement(this.available, this.maxSeconds, this.order.account.currency),
        )
        .catch(() => null);
      if (h) await Promise.race([h.finished, sleep(clock, 60_000)]);
    }
    if (this._state !== 'calling-b') return;
    await this.dial(this.b, this.a.number, this.a.channelId);
    await (recorded ?? this.recordAnswer(this.a));
  }

  private onBAnswered(at: Date): void {
    this.b.answeredAt = at;
    this._state = 'talking';
    void this.connectB().catch((err: unknown) => {
      if (this._state !== 'talking') return;
      this.log.error('could not bridge the callback legs; ending it', { error: errorText(err) });
      void this.kill('lost-channel');
    });
  }

  private async connectB(): Promise<void> {
    const { control, ids } = this.deps;
    const [recorded] = await Promise.all([this.recordAnswer(this.b), this.timeB()]);
    if (!recorded || this._state !== 'talking') return;
    const left = this.secondsLeft();
    if (left < 1) {
      void this.kill('limit');
      return;
    }
    // One common end for both legs, moved on both (rounded down).
    await Promise.all([
      control.setAbsoluteTimeout(this.a.channelId, left),
      control.setAbsoluteTimeout(this.b.channelId, left),
    ]);
    this.armLimit();
    this.log.info('leg B answered; bridging', { leg: this.b.channelId, secondsLeft: left });
    if (this._state !== 'talking') return;
    const bridgeId = ids.bridge();
    await control.createBridge(bridgeId);
    this.bridgeId = bridgeId;
    if (this._state !== 'talking') return;
    await control.addToBridge(bridgeId, [this.a.channelId, this.b.channelId]);
  }

  /** B's time from A's (callback-legs.ts timeLegB): the common end moves when the store agrees. */
  private async timeB(): Promise<void> {
    const endAt = await timeLegB(this.deps, this.log, this.a, this.b);
    if (endAt !== null) this.endAt = endAt;
  }

  /** The leg's answer in the database (recovery bills it from there); false: the call is being ended. */
  private async recordAnswer(leg: Leg): Promise<boolean> {
    try {
      await this.deps.store.markAnswered(leg.channelId, leg.answeredAt!);
      return true;
    } catch (err) {
      this.log.error('store failed to record the answer; ending the callback', {
        uniqueid: leg.channelId,
        error: errorText(err),
      });
      void this.kill('store-error');
      return false;
    }
  }

  /** Whole seconds left to the common end, allowing 250 ms for the TIMEOUT request to reach Asterisk (rounded down). */
  private secondsLeft(): number {
    return Math.floor((this.endAt - this.deps.clock.now().getTime() - 250) / 1000);
  }

  /** The daemon's own limit (Asterisk's TIMEOUT normally ends the call first) and the warning on A. */
  private armLimit(): void {
    const { clock, config, control } = this.deps;
    for (const t of this.timers) t.cancel();
    this.timers = [];
    const leftMs = this.endAt - clock.now().getTime();
    this.timers.push(
      clock.setTimer(
        leftMs + (config.limitGraceSeconds ?? 2) * 1000,
        () => void this.kill('limit'),
      ),
    );
    if (this._state === 'talking' && config.warnBefore > 0 && leftMs > config.warnBefore * 1000) {
      this.timers.push(
        clock.setTimer(leftMs - config.warnBefore * 1000, () => {
          if (this._state === 'talking')
            void control.play(this.a.channelId, [config.warnSound]).catch(() => undefined);
        }),
      );
    }
  }

  private async dial(leg: Leg, callerId: string, originator: string): Promise<void> {
    const { control, config, clock } = this.deps;
    this.deps.bind(leg.channelId);
    this.deps.bind(leg.otherChannelId);
    leg.dialled = true;
    const expected = leg === this.a ? 'calling-a' : 'calling-b';
    const endpoint = config.dial.split('{number}').join(leg.number);
    this.log.info('dialling', {
      leg: leg === this.a ? 'A' : 'B',
      endpoint,
      channel: leg.channelId,
    });
    try {
      await control.originate({
        endpoint,
        callerId,
        ringTimeout: config.ringTimeout,
        channelId: leg.channelId,
        otherChannelId: leg.otherChannelId,
        originator,
      });
    } catch (err) {
      this.log.warn('originate failed', { endpoint, error: errorText(err) });
      void control.hangup(leg.channelId, 'normal').catch(() => undefined);
      if (this._state === expected)
        await this.end(clock.now(), {
          [leg === this.a ? 'a' : 'b']: 'FAILED',
          cause: null,
          by: leg === this.a ? 'a' : 'b',
        });
      return;
    }
    const guard = clock.setTimer(
      (config.ringTimeout + (config.ringGuardSeconds ?? 10)) * 1000,
      () => {
        if (this._state !== expected) return;
        this.log.warn('no dial outcome from Asterisk in time; giving up on the leg', {
          leg: leg.channelId,
        });
        void control.hangup(leg.channelId, 'normal').catch(() => undefined);
        void this.end(clock.now(), {
          [leg === this.a ? 'a' : 'b']: 'NO ANSWER',
          cause: 19,
          by: leg === this.a ? 'a' : 'b',
        });
      },
    );
    this.timers.push(guard);
  }

  // ---------------------------------------------------------------- the end

  /** Ends the callback on astbill's initiative (limit, housekeeping, API, shutdown). */
  async kill(reason: KillReason): Promise<void> {
    if (this._state === 'ending' || this._state === 'settled') return this.finished;
    this.killReason ??= reason;
    const { control, clock, config } = this.deps;
    const legs = [this.a, this.b].filter((l) => l.dialled);
    await Promise.allSettled(legs.map((l) => control.hangup(l.channelId, 'normal')));
    const wait = (config.hangupWaitSeconds ?? 5) * 1000;
    await Promise.race([this.finished, sleep(clock, wait)]);
    const now = this._state as CallbackState;
    if (now !== 'ending' && now !== 'settled') {
      this.log.warn('no hangup event from Asterisk; ending the callback with the daemon clock', {
        reason,
      });
      await this.end(clock.now(), { cause: null, by: 'kill' });
    }
    await Promise.race([this.finished, sleep(clock, 2 * wait)]);
  }

  /**
   * Ends both legs once: hang up what is still up, settle each leg. `a`/`b` name a leg that
   * failed before it answered (its disposition); otherwise an answered leg is ANSWERED and a leg
   * that never answered is CANCEL.
   */
  private async end(
    at: Date,
    how: { a?: Disposition; b?: Disposition; cause: number | null; by: 'a' | 'b' | 'kill' },
  ): Promise<void> {
    if (this._state === 'ending' || this._state === 'settled') return;
    const from = this._state;
    this._state = 'ending';
    for (const t of this.timers) t.cancel();
    this.timers = [];
    const { control } = this.deps;
    this.log.info('callback ended', {
      from,
      by: how.by,
      reason: this.killReason,
      cause: how.cause,
    });
    const work: Promise<unknown>[] = [];
    for (const [leg, name] of [
      [this.a, 'a'],
      [this.b, 'b'],
    ] as const) {
      if (leg.dialled && how.by !== name)
        work.push(control.hangup(leg.channelId, 'normal' as HangupReason));
    }
    if (this.bridgeId) work.push(control.destroyBridge(this.bridgeId));
    for (const r of await Promise.allSettled(work))
      if (r.status === 'rejected')
        this.log.warn('cleanup after the callback failed', { error: errorText(r.reason) });

    const note = this.killReason ? `ended by astbill: ${this.killReason}` : undefined;
    const settleLeg = (leg: Leg, failed: Disposition | undefined, legNote?: string) =>
      legSettleRequest(leg, at, how.cause, failed, legNote ?? note, note);
    await this.settle(this.a, settleLeg(this.a, how.a));
    await this.settle(
      this.b,
      settleLeg(
        this.b,
        how.b,
        this.b.dialled ? undefined : 'callback: not dialled, leg A did not answer',
      ),
    );
    this.finish();
  }

  private async settle(leg: Leg, req: SettleRequest): Promise<void> {
    const { store, clock } = this.deps;
    for (let i = 1; ; i++) {
      try {
        const res = await store.settle(req);
        leg.settled = true;
        this.log.info('callback leg settled', {
          uniqueid: req.uniqueid,
          disposition: req.disposition,
          billsec: res.billsec,
          cost: res.cost.toString(),
        });
        return;
      } catch (err) {
        if (i >= 3) {
          this.log.error('SETTLEMENT FAILED: the reservation stays until housekeeping settles it', {
            uniqueid: req.uniqueid,
            error: errorText(err),
          });
          return;
        }
        await sleep(clock, 250 * 2 ** i);
      }
    }
  }

  private finish(): void {
    if (this._state === 'settled') return;
    this._state = 'settled';
    for (const leg of [this.a, this.b]) if (leg.dialled) this.deps.control.forgetLeg(leg.channelId);
    try {
      this.deps.onFinished();
    } finally {
      this.doneResolve();
    }
  }
}

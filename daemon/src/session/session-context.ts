/**
 * The CallContext of an ordinary call (call-context.ts says what it holds). A class so that what
 * every call has (spawn, kill, finish, what its limit fires) lives once on the prototype: per-call
 * closures for these cost ~0.3 KiB per live call (a closure and a scope each). The caller's IVR is
 * made on first use: most calls name their destination and never hear a prompt.
 */
import type { AwaitedEnd } from './proven-end.js';
import type { Logger } from '../log.js';
import {
  ALLOWED,
  type Attempt,
  type CallContext,
  type SessionDeps,
  type SessionState,
} from './call-context.js';
import type { CallOffered } from './call-events.js';
import { CallScope } from './call-scope.js';
import type { CallSession } from './call-session.js';
import type { GrantController } from './grant-controller.js';
import { playWarning } from './connect.js';
import { CallerIvr } from './ivr.js';
import type { KillReason } from './kill-call.js';
import type { LimitFires, LimitTimer } from './limit-timer.js';
import { noSessionMetrics, type Account, type SessionMetrics } from './ports.js';
import { StateMachine } from './state-machine.js';
import type { UnseenEnd } from './unseen-end.js';

export class SessionContext extends StateMachine<SessionState> implements CallContext, LimitFires {
  readonly metrics: SessionMetrics;
  readonly scope = new CallScope();
  account: Account | null = null;
  destination: string | null = null;
  attempts: Attempt[] = [];
  attempt: Attempt | null = null;
  aEnded: { at: Date; cause: number | null } | null = null;
  otherEnd: AwaitedEnd | null = null;
  lastEventAt: Date;
  killReason: KillReason | null = null;
  unseenEnd: UnseenEnd | null = null;
  bridgeId: string | null = null;
  limit: LimitTimer | GrantController | null = null;
  private callerIvr: CallerIvr | null = null;
  /** The A leg answered by answerA() before there was an IVR. */
  private aAnswered = false;

  constructor(
    readonly session: CallSession,
    readonly offered: CallOffered,
    readonly deps: SessionDeps,
    readonly log: Logger,
  ) {
    super(ALLOWED, 'offered', log);
    this.metrics = deps.metrics ?? noSessionMetrics;
    this.lastEventAt = offered.at;
  }

  /** The context is its own state machine (one object less per call). */
  get machine(): StateMachine<SessionState> {
    return this;
  }

  get ivr(): CallerIvr {
    if (!this.callerIvr) {
      const ivr = new CallerIvr({
        channelId: this.offered.channelId,
        control: this.deps.control,
        clock: this.deps.clock,
        log: this.log,
        scope: this.scope,
        digitTimeout: this.deps.config.digitTimeout,
      });
      if (this.aAnswered) ivr.markAnswered();
      this.callerIvr = ivr;
    }
    return this.callerIvr;
  }

  get answered(): boolean {
    return this.callerIvr?.answered ?? this.aAnswered;
  }

  async answerA(): Promise<void> {
    if (this.callerIvr) return this.callerIvr.answer();
    if (this.aAnswered) return;
    await this.deps.control.answer(this.offered.channelId);
    this.aAnswered = true;
  }

  spawn(p: Promise<unknown>, what: string): void {
    this.session.spawn(p, what);
  }

  kill(reason: KillReason): Promise<void> {
    return this.session.kill(reason);
  }

  finish(): void {
    this.session.finish();
  }

  /** The limit's warning: the warning sound, while the call still talks. */
  limitWarning(): void {
    const { control, config } = this.deps;
    if (this.machine.state === 'talking')
      playWarning(control, this.offered.channelId, config.warnSound, this.log);
  }

  /** The limit is reached: the call is ended through the kill path. */
  limitReached(): void {
    this.spawn(this.kill('limit'), 'limit');
  }
}

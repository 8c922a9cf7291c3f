/**
 * One Stasis call, as an explicit state machine (call-context.ts has the table):
 *
 *   offered → identifying → rating → authorising → dialling → talking → ending → settled
 *                              ↑___________________________|  (card flow: another destination)
 *
 * Until the B leg answers, pre-answer.ts drives the call through its phases — authorise-flow.ts
 * (identify, rate, authorise), ivr.ts (prompts), dialler.ts (originate, ring guard; a failed
 * dial is handled by dial-failure.ts) — and events only record facts (digits, hangups, the dial
 * outcome). From the answer on (connect.ts), events drive it: either party hanging up,
 * Asterisk's TIMEOUT(absolute) or the one kill path ends the call (talk-end.ts), the other leg
 * is hung up, the bridge released (bridge-pool.ts) and the attempt settled once (settlement.ts). Endings before
 * the answer are in early-endings.ts. An event that does not fit the state is a logged no-op;
 * the store's settle is idempotent as well.
 */
import type { Logger } from '../log.js';
import { namesDestination } from './authorise-flow.js';
import type { CallContext, LiveCallSnapshot, SessionDeps, SessionState } from './call-context.js';
import { ANSWERED, type CallEvent, type CallOffered, type LegEnded } from './call-events.js';
import { deferred, errorText, type Deferred } from './call-scope.js';
import { cutTo, resumeAdopted, startTalking } from './connect.js';
import { boundedWait, hangUpAndWait, type KillReason } from './kill-call.js';
import type { UnseenEnd } from './unseen-end.js';
import type { AdoptableCall } from './reconcile-call.js';
import type { RegisteredSession } from './registry.js';
import { SessionContext } from './session-context.js';
import { endTalk } from './talk-end.js';
import { runPreAnswer } from './pre-answer.js';

// The session's public vocabulary, where its users have always found it.
export type { LiveCallSnapshot, SessionConfig, SessionDeps, SessionState } from './call-context.js';
export { MAX_DESTINATION_DIGITS, namesDestination } from './authorise-flow.js';
export { originateCallerId } from './dialler.js';
export { secondsBetween } from './talk-time.js';

export class CallSession implements RegisteredSession {
  private readonly c: CallContext;
  private readonly log: Logger;
  /** Made when someone waits for the end (shutdown, a kill), not for every call. */
  private done: Deferred<void> | null = null;
  private started = false;

  constructor(
    readonly offered: CallOffered,
    deps: SessionDeps,
  ) {
    const log = deps.logger.child({ call: offered.channelId });
    this.log = log;
    this.c = new SessionContext(this, offered, deps, log);
  }

  get aChannelId(): string {
    return this.offered.channelId;
  }

  get state(): SessionState {
    return this.c.machine.state;
  }

  get finished(): Promise<void> {
    if (this.state === 'settled') return Promise.resolve();
    return (this.done ??= deferred<void>()).promise;
  }

  /** Channels that must still exist in Asterisk for this call to be alive. */
  channelsToCheck(): string[] {
    if (this.c.machine.in('ending', 'settled')) return [];
    const out = [this.aChannelId];
    if (this.state === 'talking' && this.c.attempt?.b) out.push(this.c.attempt.b.channelId);
    return out;
  }

  ringingLegs(): string[] {
    const a = this.c.attempt;
    if (this.state !== 'dialling' || !a?.b || a.answeredAt || a.outcome.done) return [];
    return [a.b.channelId];
  }

  openUniqueids(): string[] {
    return this.c.attempts.filter((a) => !a.settled).map((a) => a.uniqueid);
  }

  /** A snapshot for operators (GET /calls). */
  info(): LiveCallSnapshot {
    const c = this.c;
    const a = c.attempt && !c.attempt.settled ? c.attempt : null;
    return {
      id: a?.uniqueid ?? this.aChannelId,
      state: this.state,
      account: c.account?.name ?? null,
      destination:
        a?.dst ??
        c.destination ??
        (namesDestination(this.offered.dialled) ? this.offered.dialled : null),
      callerNumber: this.offered.callerNumber || null,
      answeredAt: a?.answeredAt ?? null,
      grantedSeconds: a?.maxSeconds ?? null,
    };
  }

  /** Starts the pre-answer flow; resolves when the call is settled. Never rejects. */
  start(): Promise<void> {
    this.begin();
    return this.finished;
  }

  /** start() for a caller that does not wait for the end (the router). */
  begin(): void {
    if (!this.started) {
      this.started = true;
      this.log.info('call offered', {
        name: this.offered.channelName,
        caller: this.offered.callerNumber,
        accountcode: this.offered.accountcode,
        dialled: this.offered.dialled,
      });
      this.spawn(runPreAnswer(this.c), 'call flow');
    }
  }

  /** Restart reconciliation (reconcile.ts): supervises a call that outlived the daemon (connect.ts). */
  adopt(call: AdoptableCall): Promise<void> {
    if (this.started) throw new Error('adopt(): the session has started already');
    this.started = true;
    this.c.machine.to('talking');
    resumeAdopted(this.c, call);
    return this.finished;
  }

  // ---------------------------------------------------------------- events

  /** Feeds one event about this call's channels. Never throws. */
  handle(ev: CallEvent): void {
    const c = this.c;
    try {
      if (ev.kind !== 'playback-finished' && ev.at.getTime() > c.lastEventAt.getTime())
        c.lastEventAt = ev.at;
      switch (ev.kind) {
        case 'digit':
          if (ev.channelId === this.aChannelId) c.ivr.pushDigit(ev.digit);
          return;
        case 'leg-ended':
          if (c.otherEnd?.channelId === ev.channelId) c.otherEnd.at.resolve(ev.at);
          if (ev.channelId === this.aChannelId) this.onAEnded(ev);
          else if (c.attempt?.b?.channelId === ev.channelId) this.onBEnded(ev);
          else this.ignored(ev);
          return;
        case 'leg-answered':
          this.onBAnswered(ev.channelId, ev.at);
          return;
        case 'leg-failed': {
          const a = c.attempt;
          if (a && a.b?.channelId === ev.channelId && this.state === 'dialling' && !a.answeredAt) {
            a.outcome.resolve({
              kind: 'failed',
              failure: ev.failure,
              cause: ev.cause,
              at: ev.at,
              techCause: ev.techCause ?? null,
            });
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
      state: this.state,
      channel: 'channelId' in ev ? ev.channelId : null,
    });
  }

  private onAEnded(ev: LegEnded): void {
    const c = this.c;
    if (!c.aEnded) c.aEnded = { at: ev.at, cause: ev.cause };
    else if (c.aEnded.cause === null && ev.cause !== null) c.aEnded.cause = ev.cause;
    if (this.state === 'talking')
      this.spawn(endTalk(c, ev.at, ev.cause ?? c.aEnded.cause, 'caller'), 'end of call');
    else c.scope.end();
  }

  private onBEnded(ev: LegEnded): void {
    if (this.state === 'talking')
      this.spawn(endTalk(this.c, ev.at, ev.cause, 'callee'), 'end of call');
    else this.ignored(ev);
  }

  private onBAnswered(channelId: string, at: Date): void {
    const a = this.c.attempt;
    if (
      !a ||
      a.b?.channelId !== channelId ||
      a.answeredAt ||
      this.state !== 'dialling' ||
      a.outcome.done
    ) {
      // A leg of ours that answered too late (caller gone, already failed): nobody will talk on it.
      this.log.warn('an originated leg answered but its call attempt is over; hanging it up', {
        leg: channelId,
        state: this.state,
      });
      void this.c.deps.control.hangup(channelId, 'normal').catch(() => undefined);
      return;
    }
    a.answeredAt = at;
    if (this.c.scope.aborted) {
      a.outcome.resolve(ANSWERED);
      return;
    }
    this.c.machine.to('talking');
    a.outcome.resolve(ANSWERED);
    this.spawn(startTalking(this.c, a), 'connecting the call');
  }

  /**
   * The attempt may talk at most `maxSeconds` from its answer, fewer than it was given: the
   * database holds it with that grant (resilience/adopt.ts). Through the one limit path.
   */
  limitTo(uniqueid: string, maxSeconds: number): void {
    const attempt = this.c.attempts.find((a) => a.uniqueid === uniqueid);
    if (attempt) cutTo(this.c, attempt, maxSeconds);
  }

  // ---------------------------------------------------------------- the kill path

  /**
   * Ends the call on astbill's initiative (limit, housekeeping, lost channel, operator, shutdown).
   * `unseen`: the call already ended unseen (live-check.ts); it is settled with that end.
   */
  async kill(reason: KillReason, unseen?: UnseenEnd): Promise<void> {
    const c = this.c;
    if (c.machine.in('ending', 'settled')) return this.finished;
    c.killReason ??= reason;
    const { control, config, clock } = c.deps;
    if (this.state === 'talking' && unseen) {
      c.unseenEnd = unseen;
      await endTalk(c, unseen.end, null, 'kill');
      return;
    }
    if (this.state === 'talking') {
      const b = c.attempt?.b?.channelId;
      await hangUpAndWait({
        control,
        clock,
        log: this.log,
        reason,
        hangupWaitSeconds: config.hangupWaitSeconds,
        channels: b ? [this.aChannelId, b] : [this.aChannelId],
        finished: this.finished,
        stillUp: () => this.state === 'talking',
        ...(c.deps.confirmedUp ? { confirmedUp: () => c.deps.confirmedUp!(this) } : {}),
        endHere: (at) => endTalk(c, at, null, 'kill'),
        what: 'call',
      });
      return;
    }
    c.scope.end();
    await Promise.allSettled([control.hangup(this.aChannelId, 'normal')]);
    await boundedWait(this.finished, clock, config.hangupWaitSeconds);
  }

  /** Marks the call settled and lets go of it (once); the context's finish(). */
  finish(): void {
    const c = this.c;
    if (this.state === 'settled') return;
    c.machine.to('settled');
    c.limit?.close();
    c.scope.end();
    for (const a of c.attempts) if (a.b) c.deps.control.forgetLeg(a.b.channelId);
    try {
      c.deps.onFinished(this);
    } finally {
      this.done?.resolve();
    }
  }

  /** Runs background work of this call; a failure is logged, never an unhandled rejection. */
  spawn(p: Promise<unknown>, what: string): void {
    p.catch((err: unknown) => {
      this.log.error(`${what} failed`, {
        state: this.state,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
      if (!this.c.machine.in('settled', 'ending')) {
        // Never leave a call without an owner: end it through the kill path.
        void this.kill('lost-channel').catch(() => undefined);
      }
    });
  }
}

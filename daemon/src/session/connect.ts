/**
 * From the far end's answer to two people talking: the limits (Asterisk's TIMEOUT(absolute) on
 * each leg, and the daemon's own LimitTimer or, in grant mode, GrantController), the bridge,
 * and the answer mark on the open CDR (so that a restart can bill from it). Also resumes the
 * supervision of a call that outlived an earlier run of the daemon (reconcile.ts finds those).
 */
import type { Logger } from '../log.js';
import { addAttempt, type Attempt, type CallContext } from './call-context.js';
import type { CallControl } from './call-control-port.js';
import { ANSWERED, type DialOutcome } from './call-events.js';
import { deferred, errorText } from './call-scope.js';
import { answeredByBands, grantFromAnswer } from './banded-answer.js';
import { bridgesFor } from './bridge-pool.js';
import { GrantController } from './grant-controller.js';
import { LimitTimer } from './limit-timer.js';
import { PROMPTS } from './prompts.js';

/** TIMEOUT(absolute) on every leg: Asterisk cuts only the channel it is set on. */
export async function limitLegs(
  control: Pick<CallControl, 'setAbsoluteTimeout'>,
  channels: readonly string[],
  seconds: number,
): Promise<void> {
  await Promise.all(channels.map((c) => control.setAbsoluteTimeout(c, seconds)));
}

/** Plays the warning sound (the limit is near) on a channel; a failure is only logged. */
export function playWarning(
  control: Pick<CallControl, 'play'>,
  channelId: string,
  sound: string,
  log: Logger,
): void {
  void control
    .play(channelId, [sound])
    .catch((err: unknown) => log.warn('warning sound failed', { error: errorText(err) }));
}

/**
 * What a talking call's limit fires (the context's own methods), as closures for the
 * GrantController; made apart from startTalking so that they hold only the context.
 */
function limitActions(ctx: CallContext): { onWarn: () => void; onLimit: () => void } {
  return { onWarn: () => ctx.limitWarning(), onLimit: () => ctx.limitReached() };
}

/** The daemon's own limit of a talking call, `limitMs` from start(); it fires the context's methods. */
function limitTimer(ctx: CallContext, limitMs: number, warnBeforeSeconds: number): LimitTimer {
  return new LimitTimer({
    clock: ctx.deps.clock,
    limitSeconds: limitMs / 1000,
    limitMs,
    graceSeconds: ctx.deps.config.limitGraceSeconds ?? 2,
    warnBeforeSeconds,
    fires: ctx,
  });
}

/** The far end answered (state talking): limits, answer A, bridge, mark the answer. */
export async function startTalking(ctx: CallContext, attempt: Attempt): Promise<void> {
  const { control, store, config, clock, grantStore } = ctx.deps;
  const b = attempt.b!.channelId;
  const a = ctx.offered.channelId;
  const talking = (): boolean => ctx.machine.state === 'talking';
  const banded = answeredByBands(ctx, attempt);
  if (banded && !(await grantFromAnswer(ctx, attempt))) return;
  const grants = attempt.grant && config.charging && grantStore;
  const graceSeconds = config.limitGraceSeconds ?? 2;
  ctx.limit = grants
    ? new GrantController({
        clock,
        graceSeconds,
        warnBeforeSeconds: config.warnBefore,
        ...limitActions(ctx),
        store: grants,
        control,
        logger: ctx.log,
        uniqueid: attempt.uniqueid,
        channels: [a, b],
        granted: attempt.maxSeconds,
        final: attempt.grant!.final,
        releaseMarginSeconds: config.charging!.releaseMarginSeconds,
        extendDeadlineMs: config.charging!.extendDeadlineMs,
        defaultMaxSeconds: config.maxCallSeconds,
        defaultGrantSeconds: config.charging!.grantSeconds,
        onGranted: (total) => void (attempt.maxSeconds = total),
        ...(ctx.deps.confirmedUp ? { confirmedUp: () => ctx.deps.confirmedUp!(ctx.session) } : {}),
      })
    : limitTimer(ctx, attempt.maxSeconds * 1000, config.warnBefore);
  ctx.limit.start();
  ctx.log.info('answered', { uniqueid: attempt.uniqueid, leg: b, maxSeconds: attempt.maxSeconds });
  try {
    await ctx.answerA();
    // Asterisk's own limit, counted from now (not from channel creation).
    await limitLegs(control, [a, b], attempt.maxSeconds);
    const bridges = bridgesFor(ctx.deps);
    if (!(await bridges.connect([a, b], talking, (id) => void (ctx.bridgeId = id)))) return;
  } catch (err) {
    if (!talking()) return;
    ctx.log.error('could not connect the answered call; ending it', { error: errorText(err) });
    ctx.spawn(ctx.kill('lost-channel'), 'kill');
    return;
  }
  try {
    if (!banded) await store.markAnswered(attempt.uniqueid, attempt.answeredAt!);
  } catch (err) {
    if (!talking()) return;
    ctx.log.error('store failed to record the answer; announcing and ending the call', {
      uniqueid: attempt.uniqueid,
      error: errorText(err),
    });
    await ctx.ivr.say(PROMPTS.error, 3);
    ctx.spawn(ctx.kill('store-error'), 'kill');
  }
}

/**
 * The attempt may talk only `maxSeconds` (fewer than it runs on: the database holds it with that
 * grant). Before the answer, the limits set then use it; once talking, TIMEOUT(absolute) and the
 * limit timer move to answer + maxSeconds (rounded down: never free talk), and a call already
 * past it ends through the kill path.
 */
export function cutTo(ctx: CallContext, attempt: Attempt, maxSeconds: number): void {
  if (attempt.settled || maxSeconds >= attempt.maxSeconds) return;
  attempt.maxSeconds = maxSeconds;
  if (ctx.machine.state !== 'talking' || ctx.attempt !== attempt || !attempt.answeredAt) return;
  const { control, clock, config } = ctx.deps;
  const leftMs = attempt.answeredAt.getTime() + maxSeconds * 1000 - clock.now().getTime();
  const left = Math.floor(leftMs / 1000);
  ctx.log.warn('the call holds a shorter grant than it runs on; cutting its limit', {
    uniqueid: attempt.uniqueid,
    maxSeconds,
    secondsLeft: Math.max(left, 0),
  });
  if (left < 1) {
    ctx.spawn(ctx.kill('limit'), 'limit');
    return;
  }
  ctx.limit?.close();
  ctx.limit = limitTimer(ctx, leftMs, config.warnBefore);
  ctx.limit.start();
  ctx.spawn(
    limitLegs(control, [ctx.offered.channelId, attempt.b!.channelId], left).catch(
      (err: unknown) => {
        if (ctx.machine.state !== 'talking') return;
        ctx.log.error('could not cut the limit of the call; ending it', { error: errorText(err) });
        return ctx.kill('limit');
      },
    ),
    'cutting the limit',
  );
}

/** What resuming needs of a call reconcile.ts found still up (its AdoptableCall). */
export interface AdoptedCall {
  uniqueid: string;
  aChannelId: string;
  bChannelId: string;
  bOtherChannelId: string | null;
  bridgeId: string;
  answer: Date;
  maxSeconds: number;
  remainingSeconds: number;
  created: Date;
}

/**
 * Restart reconciliation: supervises a call that an earlier run of the daemon connected and that
 * Asterisk still has up. The call is talking on that bridge; TIMEOUT(absolute) is set again on
 * both legs to the seconds left of the grant (never later than the deadline they had), and the
 * daemon's limit timer likewise; either leg ending ends the call, settled like any other.
 */
export function resumeAdopted(ctx: CallContext, call: AdoptedCall): void {
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
  attempt.outcome.resolve(ANSWERED);
  addAttempt(ctx, attempt);
  ctx.attempt = attempt;
  ctx.ivr.markAnswered();
  ctx.bridgeId = call.bridgeId;
  ctx.deps.bind(call.bChannelId, ctx.session);
  if (call.bOtherChannelId) ctx.deps.bind(call.bOtherChannelId, ctx.session);
  const { control } = ctx.deps;
  ctx.limit = limitTimer(ctx, call.remainingSeconds * 1000, 0);
  ctx.limit.start();
  ctx.log.warn('supervising a call that outlived the daemon', {
    uniqueid: call.uniqueid,
    b: call.bChannelId,
    remainingSeconds: call.remainingSeconds,
  });
  ctx.spawn(
    limitLegs(control, [call.aChannelId, call.bChannelId], call.remainingSeconds).catch(
      (err: unknown) => {
        if (ctx.machine.state !== 'talking') return;
        ctx.log.error('could not set the limit again on an adopted call; ending it', {
          error: errorText(err),
        });
        return ctx.kill('lost-channel');
      },
    ),
    'adopting the call',
  );
}

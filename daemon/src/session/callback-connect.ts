/**
 * A callback from leg A's answer to two people talking: A's limit and the announcement, then
 * B's origination; at B's answer both answers in the database, B timed from A, one common end
 * on both legs, the bridge. Also resumes a callback that outlived an earlier run of the daemon.
 * The building blocks are the ordinary call's (connect.ts, limit-timer.ts, ivr.ts).
 */
import { balanceAnnouncement } from './prompts.js';
import type { CallbackContext } from './callback-context.js';
import { bandedLegs, timeLegs, type AdoptableCallback, type CallbackLeg } from './callback-legs.js';
import { errorText } from './call-scope.js';
import { bridgesFor } from './bridge-pool.js';
import { limitLegs, playWarning } from './connect.js';
import { LimitTimer } from './limit-timer.js';

const talking = (ctx: CallbackContext): boolean => ctx.machine.state === 'talking';

/**
 * Whole seconds left to the common end, rounded down (never free talk), as an ordinary call's
 * TIMEOUT(absolute): Asterisk counts them from when the request arrives, a few ms later, which
 * settlement never bills (billsec ≤ the grant). No allowance is taken off for that: it cut a
 * leg a whole paid second short whenever the daemon was prompt.
 */
export function secondsLeft(ctx: CallbackContext): number {
  return Math.floor((ctx.endAt - ctx.deps.clock.now().getTime()) / 1000);
}

/** The daemon's own limit (Asterisk's TIMEOUT normally ends the call first) and, once talking, the warning on A. */
export function armLimit(ctx: CallbackContext): void {
  const { clock, config, control } = ctx.deps;
  ctx.limit?.close();
  const leftMs = ctx.endAt - clock.now().getTime();
  ctx.limit = new LimitTimer({
    clock,
    limitSeconds: leftMs / 1000,
    limitMs: leftMs,
    graceSeconds: config.limitGraceSeconds ?? 2,
    warnBeforeSeconds: talking(ctx) ? config.warnBefore : 0,
    fires: {
      limitWarning: () => {
        if (talking(ctx)) playWarning(control, ctx.a.channelId, config.warnSound, ctx.log);
      },
      limitReached: () => void ctx.kill('limit'),
    },
  });
  ctx.limit.start();
}

/** Leg A answered (state calling-b): its limit, the announcement, then B is dialled. */
export async function connectA(ctx: CallbackContext): Promise<void> {
  const { control, config } = ctx.deps;
  // Banded legs: the grant again from A's answer (which that transaction records), first.
  const banded = bandedLegs(ctx.a, ctx.b);
  if (banded && !(await timeAtAnswer(ctx, ctx.a))) return;
  // A's clock runs from its answer (Asterisk's timestamp): whatever time passed before this
  // request comes off its limit, so that A never talks past T (rounded down: never free talk).
  ctx.endAt = (ctx.a.limitFrom ?? ctx.a.answeredAt!).getTime() + ctx.maxSeconds * 1000;
  const left = secondsLeft(ctx);
  if (left < 1) {
    void ctx.kill('limit');
    return;
  }
  await control.setAbsoluteTimeout(ctx.a.channelId, left);
  armLimit(ctx);
  // The answer reaches the database before the announcement, else right after B's origination
  // (awaiting it first would dial B later); a failure ends the callback.
  const recorded = banded ? true : config.announce ? recordAnswer(ctx, ctx.a) : null;
  ctx.log.info('leg A answered', { leg: ctx.a.channelId, maxSeconds: ctx.maxSeconds });
  if (config.announce)
    await ctx.ivrA.say(
      balanceAnnouncement(ctx.available, ctx.maxSeconds, ctx.order.account.currency),
      60,
    );
  if (ctx.machine.state !== 'calling-b') return;
  await ctx.dial(ctx.b, ctx.a.number, ctx.a.channelId);
  await (recorded ?? recordAnswer(ctx, ctx.a));
}

/** Leg B answered (state talking): record it, time B from A, one common end, bridge. */
export async function connectB(ctx: CallbackContext): Promise<void> {
  const { control } = ctx.deps;
  const [recorded, timed] = await Promise.all([recordAnswer(ctx, ctx.b), timeAtAnswer(ctx, ctx.b)]);
  if (!recorded || !timed || !talking(ctx)) return;
  const left = secondsLeft(ctx);
  if (left < 1) {
    void ctx.kill('limit');
    return;
  }
  // One common end for both legs, moved on both (rounded down).
  await limitLegs(control, [ctx.a.channelId, ctx.b.channelId], left);
  armLimit(ctx);
  ctx.log.info('leg B answered; bridging', { leg: ctx.b.channelId, secondsLeft: left });
  await bridgesFor(ctx.deps).connect(
    [ctx.a.channelId, ctx.b.channelId],
    () => talking(ctx),
    (id) => void (ctx.bridgeId = id),
  );
}

/**
 * The grant again at `leg`'s answer (callback-legs.ts timeLegs): the common end moves to it.
 * False when the callback is being ended: no second fits from the answer any more, or the store
 * failed on a banded callback (its reservations were priced before the answers). A flat one
 * keeps A's answer + T then, which both reservations cover.
 */
async function timeAtAnswer(ctx: CallbackContext, leg: CallbackLeg): Promise<boolean> {
  const t = await timeLegs(ctx.deps, ctx.log, ctx.a, ctx.b);
  if (t.kind === 'timed') {
    ctx.endAt = t.endAt;
    if (leg === ctx.a) ctx.maxSeconds = t.seconds;
    return true;
  }
  if (t.kind === 'failed' && !bandedLegs(ctx.a, ctx.b)) return true;
  if (ctx.machine.in('ending', 'settled')) return false;
  const why = t.kind === 'none' ? 'no talk time affordable from it' : 'its grant is not known';
  ctx.log.info(`callback ends at a leg's answer: ${why}`, { leg: leg.channelId });
  void ctx.kill(t.kind === 'none' ? 'limit' : 'store-error');
  return false;
}

/** The leg's answer in the database (recovery bills it from there); false: the call is being ended. */
async function recordAnswer(ctx: CallbackContext, leg: CallbackLeg): Promise<boolean> {
  try {
    // At once, not with the node's batch: a callback resumed at restart is billed from the
    // answers on record (session/reconcile-callback.ts), and a lost one would bill ring time.
    await ctx.deps.store.markAnswered(leg.uniqueid, leg.answeredAt!, true);
    return true;
  } catch (err) {
    ctx.log.error('store failed to record the answer; ending the callback', {
      uniqueid: leg.uniqueid,
      error: errorText(err),
    });
    void ctx.kill('store-error');
    return false;
  }
}

/**
 * Restart reconciliation: supervises a callback an earlier run bridged, still up in Asterisk,
 * as one two-leg call (state talking, with that bridge). The common end is the earlier of the
 * legs' grant ends (equal once B was timed from A); TIMEOUT(absolute) is set again on both legs
 * and the limit timer armed; either leg ending ends both, each settled from its own answer.
 */
export function resumeCallback(ctx: CallbackContext, call: AdoptableCallback): void {
  const { control } = ctx.deps;
  ctx.bridgeId = call.bridgeId;
  for (const [leg, from] of [
    [ctx.a, call.a],
    [ctx.b, call.b],
  ] as const) {
    leg.answeredAt = from.answer;
    leg.limitFrom = from.answer;
    leg.dialled = true;
    ctx.deps.bind(leg.channelId);
    ctx.deps.bind(leg.otherChannelId);
  }
  ctx.maxSeconds = call.a.maxSeconds;
  ctx.endAt = Math.min(
    call.a.answer.getTime() + call.a.maxSeconds * 1000,
    call.b.answer.getTime() + call.b.maxSeconds * 1000,
  );
  const left = secondsLeft(ctx);
  ctx.log.warn('supervising a callback that outlived the daemon', {
    a: ctx.a.channelId,
    b: ctx.b.channelId,
    secondsLeft: left,
  });
  if (left < 1) {
    void ctx.kill('limit');
    return;
  }
  armLimit(ctx);
  void limitLegs(control, [ctx.a.channelId, ctx.b.channelId], left).catch((err: unknown) => {
    if (!talking(ctx)) return;
    ctx.log.error('could not set the limit again on an adopted callback; ending it', {
      error: errorText(err),
    });
    void ctx.kill('lost-channel');
  });
}

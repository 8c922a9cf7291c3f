/**
 * How an ordinary call ends before anyone talked: refused (no credit, no route, bad PIN…: a
 * CDR with the reason, the prompt, a hang-up), abandoned (the caller went away while being
 * identified or while the far end rang), or failed closed (a store or unexpected error: the
 * caller hears the error prompt; never an unlimited call).
 */
import { nextUniqueid, killNote, type CallContext } from './call-context.js';
import type { HangupReason } from './call-control-port.js';
import { errorText, StoreFailure } from './call-scope.js';
import type { Refusal } from './authorise-flow.js';
import { namesDestination } from './authorise-flow.js';
import type { RefusalReason } from './ports.js';
import { PROMPTS } from './prompts.js';
import { secondsBetween } from './talk-time.js';
import { settleAttempt } from './settlement.js';

/** The caller hung up (or the call was killed) before the answer. */
export async function abandon(ctx: CallContext): Promise<void> {
  if (ctx.machine.in('ending', 'settled', 'talking')) return; // talking: the event path ends it
  ctx.machine.to('ending');
  const { control, clock } = ctx.deps;
  const a = ctx.attempt;
  if (a && !a.settled) {
    if (a.b) await control.hangup(a.b.channelId, 'normal').catch(() => undefined);
    const end = ctx.aEnded?.at ?? ctx.lastEventAt ?? clock.now();
    const talked = a.answeredAt !== null && a.answeredAt.getTime() <= end.getTime();
    ctx.log.info('caller went away before the answer', {
      uniqueid: a.uniqueid,
      ringing: a.b !== null,
    });
    await settleAttempt(
      ctx,
      a,
      talked ? 'ANSWERED' : 'CANCEL',
      ctx.aEnded?.cause ?? 16,
      talked ? a.answeredAt : null,
      end,
      talked ? secondsBetween(a.answeredAt!, end) : 0,
    );
  } else if (ctx.attempts.length === 0) {
    // Nothing was dialled yet (PIN or destination entry, lookups): the attempt still leaves a CDR.
    const reason: RefusalReason = ctx.killReason === 'shutdown' ? 'SHUTDOWN' : 'ABANDONED';
    ctx.log.info('caller went away before dialling', {
      state: ctx.account ? 'identified' : 'unidentified',
      reason,
      killed: ctx.killReason,
    });
    const note = killNote(ctx.killReason);
    await recordRefusal(
      ctx,
      reason,
      nextUniqueid(ctx),
      ctx.destination ?? (namesDestination(ctx.offered.dialled) ? ctx.offered.dialled : ''),
      ctx.offered.at,
      { end: ctx.aEnded?.at ?? ctx.lastEventAt ?? clock.now(), ...(note ? { note } : {}) },
    );
  } else {
    ctx.log.info('caller went away', { state: ctx.account ? 'identified' : 'unidentified' });
  }
  if (!ctx.aEnded) await control.hangup(ctx.offered.channelId, 'normal').catch(() => undefined);
  ctx.finish();
}

/** Refuses the call attempt: FAILED CDR with the reason (unless the store wrote it), announcement, hangup. */
export async function refuse(ctx: CallContext, r: Refusal): Promise<void> {
  const dst = r.dst ?? ctx.offered.dialled ?? '';
  ctx.machine.to('ending');
  ctx.log.info('call refused', { uniqueid: r.uniqueid, reason: r.reason, dst });
  if (!r.recorded)
    await recordRefusal(ctx, r.reason, r.uniqueid, dst, r.start ?? ctx.lastEventAt, {
      ...(r.dialled ? { dialled: r.dialled } : {}),
    });
  else ctx.metrics.callFinished(r.reason);
  if (r.media.length > 0 && !ctx.scope.aborted) {
    await ctx.ivr.answer().catch(() => undefined);
    await ctx.ivr.say(r.media);
  }
  await hangUpAndFinish(ctx, r.reason === 'LIMIT' ? 'congestion' : 'normal');
}

/** A store or unexpected error before the answer: fail closed (never an unlimited call). */
export async function failClosed(ctx: CallContext, err: unknown): Promise<void> {
  const state = ctx.machine.state;
  if (ctx.machine.in('ending', 'settled', 'talking')) {
    ctx.log.error('call flow failed', { state, error: errorText(err) });
    return;
  }
  ctx.log.error('call failed; announcing and hanging up', { state, error: errorText(err) });
  ctx.machine.to('ending');
  const a = ctx.attempt;
  if (a && !a.settled) {
    if (a.b) await ctx.deps.control.hangup(a.b.channelId, 'normal').catch(() => undefined);
    await settleAttempt(ctx, a, 'FAILED', null, null, ctx.lastEventAt, 0);
  } else if (ctx.attempts.length === 0) {
    // Nothing dialled yet: the attempt still leaves its one CDR, whatever failed.
    await recordRefusal(
      ctx,
      err instanceof StoreFailure ? 'DBERROR' : 'ERROR',
      nextUniqueid(ctx),
      ctx.destination ?? ctx.offered.dialled ?? '',
      ctx.lastEventAt,
    );
  }
  if (!ctx.scope.aborted) {
    await ctx.ivr.answer().catch(() => undefined);
    await ctx.ivr.say(PROMPTS.error);
  }
  await hangUpAndFinish(ctx, 'normal');
}

/** Writes the CDR of an attempt refused (or abandoned) before authorisation, and counts it. Never throws. */
export async function recordRefusal(
  ctx: CallContext,
  reason: RefusalReason,
  uniqueid: string,
  dst: string,
  start: Date,
  extra: { end?: Date; note?: string; dialled?: string } = {},
): Promise<void> {
  ctx.metrics.callFinished(reason);
  try {
    await ctx.deps.store.recordRefusal({
      uniqueid,
      accountId: ctx.account?.id ?? null,
      src: ctx.offered.callerNumber,
      dst,
      reason,
      node: ctx.deps.config.node,
      start,
      ...extra,
    });
  } catch (err) {
    ctx.log.error('could not record the refusal', { uniqueid, reason, error: errorText(err) });
  }
}

/** Hangs the caller up (unless gone already) with `reason` and finishes the call. */
export async function hangUpAndFinish(ctx: CallContext, reason: HangupReason): Promise<void> {
  ctx.machine.to('ending');
  if (!ctx.aEnded)
    await ctx.deps.control
      .hangup(ctx.offered.channelId, reason)
      .catch((err: unknown) => ctx.log.warn('hangup failed', { error: errorText(err) }));
  ctx.finish();
}

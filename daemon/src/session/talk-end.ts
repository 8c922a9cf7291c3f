/**
 * The end of a call that was talking — the caller or the far end hung up, Asterisk's
 * TIMEOUT(absolute) cut it, or astbill killed it: hang up the leg still up, release the bridge,
 * settle the attempt once as ANSWERED with billsec from Asterisk's answer and end timestamps.
 *
 * The call talked while BOTH legs were up. A seen end of one leg proves the other up until then
 * only if the other is still there: its hang-up succeeds. If it was already gone (or the hang-up
 * failed), it may have ended unseen during a websocket gap, so the call is billed no further
 * than the last moment it was proven up (issue #20: chaos seed 126).
 */
import type { CallContext } from './call-context.js';
import { bridgesFor } from './bridge-pool.js';
import { errorText } from './call-scope.js';
import { awaitEnd, endWithin, provenEnd } from './proven-end.js';
import { settleAttempt } from './settlement.js';
import { secondsBetween } from './talk-time.js';

export async function endTalk(
  ctx: CallContext,
  at: Date,
  cause: number | null,
  by: 'caller' | 'callee' | 'kill',
): Promise<void> {
  if (ctx.machine.state !== 'talking') return;
  ctx.machine.to('ending');
  ctx.limit?.close();
  const attempt = ctx.attempt!;
  const { control } = ctx.deps;
  const b = attempt.b!.channelId;
  ctx.log.info('call ended', { uniqueid: attempt.uniqueid, by, reason: ctx.killReason, cause });
  // The legs still up: the one a party's hang-up left, or ('kill') both.
  const left =
    by === 'caller' ? [b] : by === 'callee' ? [ctx.offered.channelId] : [ctx.offered.channelId, b];
  // A kill's end was decided by the kill path (kill-call.ts); a party's depends on the other leg.
  const other = by === 'kill' ? null : left[0]!;
  if (other) ctx.otherEnd = awaitEnd(other);
  const hangups = left.map((id) => control.hangup(id, 'normal'));
  const work: Promise<unknown>[] = [...hangups];
  if (ctx.bridgeId) work.push(bridgesFor(ctx.deps).release(ctx.bridgeId));
  for (const r of await Promise.allSettled(work)) {
    if (r.status === 'rejected')
      ctx.log.warn('cleanup after the call failed', { error: errorText(r.reason) });
  }
  const otherUp = !other || (await hangups[0]!.catch(() => 'failed')) === 'hung-up';
  // A caller never put through talked nothing, however long the error prompt took.
  const end = attempt.unconnected
    ? attempt.answeredAt!
    : otherUp
      ? at
      : await endOfTalk(ctx, at, other);
  ctx.otherEnd = null;
  const billsec = secondsBetween(attempt.answeredAt!, end);
  await settleAttempt(ctx, attempt, 'ANSWERED', cause ?? 16, attempt.answeredAt, end, billsec);
  ctx.finish();
}

/** The end of a call whose `other` leg was found gone (or its hang-up failed): proven-end.ts. */
async function endOfTalk(ctx: CallContext, at: Date, other: string): Promise<Date> {
  const answer = ctx.attempt!.answeredAt!;
  const { end, unseen } = await provenEnd({
    at,
    proven: ctx.deps.confirmedUp?.(ctx.session),
    answer,
    otherSeen: async () =>
      other === ctx.offered.channelId && ctx.aEnded
        ? ctx.aEnded.at
        : endWithin(ctx.deps.clock, ctx.deps.config.hangupWaitSeconds ?? 5, ctx.otherEnd!),
    log: ctx.log,
    other,
  });
  // The CDR says how its end was found, as for any end not seen (unseen-end.ts).
  if (unseen) ctx.unseenEnd = { end, billsec: secondsBetween(answer, end), source: 'last-up' };
  return end;
}

/**
 * The end of a call that was talking — the caller or the far end hung up, Asterisk's
 * TIMEOUT(absolute) cut it, or astbill killed it: hang up the leg still up, release the bridge,
 * settle the attempt once as ANSWERED with billsec from Asterisk's answer and end timestamps.
 */
import type { CallContext } from './call-context.js';
import { bridgesFor } from './bridge-pool.js';
import { errorText } from './call-scope.js';
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
  const work: Promise<unknown>[] = [];
  if (by !== 'caller') work.push(control.hangup(ctx.offered.channelId, 'normal'));
  if (by !== 'callee') work.push(control.hangup(b, 'normal'));
  if (ctx.bridgeId) work.push(bridgesFor(ctx.deps).release(ctx.bridgeId));
  for (const r of await Promise.allSettled(work)) {
    if (r.status === 'rejected')
      ctx.log.warn('cleanup after the call failed', { error: errorText(r.reason) });
  }
  const billsec = secondsBetween(attempt.answeredAt!, at);
  await settleAttempt(ctx, attempt, 'ANSWERED', cause ?? 16, attempt.answeredAt, at, billsec);
  ctx.finish();
}

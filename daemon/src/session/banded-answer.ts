/**
 * The answer of a call on a time-banded rate: its grant is priced again from the answer instant
 * (store/tx/answer-banded.ts) before any limit is set, because the bands in force depend on when
 * the talk starts and the ring time may cross a band edge. The attempt then carries the exact
 * grant (TIMEOUT(absolute), the daemon's own timer and grant-mode extensions all start from it).
 * When it cannot be priced (the store fails, or no time is affordable) the caller was never put
 * through: the call ends billed 0 s (chaos seeds 302, 317 billed the 3 s error prompt).
 */
import type { Attempt, CallContext } from './call-context.js';
import { errorText } from './call-scope.js';
import { PROMPTS } from './prompts.js';

/** Whether the answer of `attempt` is priced by bands (then this module records it). */
export function answeredByBands(ctx: CallContext, attempt: Attempt): boolean {
  return Boolean(attempt.rate?.banding && ctx.deps.bands);
}

/** True when the call goes on with the new grant on `attempt`; false when it was ended. */
export async function grantFromAnswer(ctx: CallContext, attempt: Attempt): Promise<boolean> {
  const talking = (): boolean => ctx.machine.state === 'talking';
  let r;
  try {
    r = await ctx.deps.bands!.answerBanded({
      uniqueid: attempt.uniqueid,
      answer: attempt.answeredAt!,
      defaultMaxSeconds: ctx.deps.config.maxCallSeconds,
      grantSeconds: attempt.grant?.grantSeconds ?? null,
    });
  } catch (err) {
    if (!talking()) return false;
    attempt.unconnected = true;
    ctx.log.error('store failed to grant the banded call at its answer; ending it', {
      uniqueid: attempt.uniqueid,
      error: errorText(err),
    });
    await ctx.ivr.say(PROMPTS.error, 3);
    ctx.spawn(ctx.kill('store-error'), 'kill');
    return false;
  }
  if (!talking()) return false;
  if (!r.ok || r.maxSeconds === 0) {
    // The money paid for a block in the band of the authorisation, not in the band of the answer.
    attempt.unconnected = true;
    ctx.log.info('banded call ends at its answer: no talk time affordable from it', {
      uniqueid: attempt.uniqueid,
    });
    ctx.spawn(ctx.kill('limit'), 'limit');
    return false;
  }
  attempt.maxSeconds = r.maxSeconds;
  attempt.maxCost = r.maxCost;
  if (attempt.grant) attempt.grant = { ...attempt.grant, final: r.final };
  ctx.log.info('banded call granted from its answer', {
    uniqueid: attempt.uniqueid,
    maxSeconds: r.maxSeconds,
    maxCost: r.maxCost.toString(),
  });
  return true;
}

/**
 * What happens when the far end does not answer — busy, no answer, congestion, unavailable:
 * the CDR disposition the attempt is settled with, what the caller hears, and how the caller
 * is hung up. A caller who was never answered (nothing had to be said before dialling) hears
 * nothing from us: the hang-up cause alone tells their phone (a SIP caller gets 486, 480 or
 * 503). A caller already answered (announcement, card flow) would only get a BYE, so they are
 * told first: a busy tone, "the number is not answering", "all circuits are busy".
 */
import type { CallContext } from './call-context.js';
import type { HangupReason } from './call-control-port.js';
import type { LegFailure } from './call-events.js';
import { hangUpAndFinish } from './early-endings.js';
import type { Disposition } from './ports.js';
import { PROMPTS } from './prompts.js';

export const FAILURE_DISPOSITION: Readonly<Record<LegFailure, Disposition>> = {
  BUSY: 'BUSY',
  'NO ANSWER': 'NO ANSWER',
  CONGESTION: 'CONGESTION',
  // The CDR vocabulary has no CHANUNAVAIL: Asterisk's own CDR writes FAILED for it.
  CHANUNAVAIL: 'FAILED',
};

/** The hang-up cause the caller gets (17, 19, 34, 34). */
export const FAILURE_HANGUP: Readonly<Record<LegFailure, HangupReason>> = {
  BUSY: 'busy',
  'NO ANSWER': 'no_answer',
  CONGESTION: 'congestion',
  CHANUNAVAIL: 'congestion',
};

/** What an answered caller hears, at most `seconds` (tones play until stopped). */
export const FAILURE_ANNOUNCEMENT: Readonly<
  Record<LegFailure, { media: readonly string[]; seconds: number }>
> = {
  BUSY: { media: PROMPTS.busyTone, seconds: 5 },
  'NO ANSWER': { media: PROMPTS.notAnswering, seconds: 15 },
  CONGESTION: { media: PROMPTS.allCircuitsBusy, seconds: 15 },
  CHANUNAVAIL: { media: PROMPTS.congestionTone, seconds: 5 },
};

/** The last destination failed: tell an answered caller what happened, then hang up with its cause. */
export async function endFailedDial(ctx: CallContext, failure: LegFailure): Promise<void> {
  if (ctx.answered && !ctx.scope.aborted) {
    const { media, seconds } = FAILURE_ANNOUNCEMENT[failure];
    ctx.log.info('telling the caller the destination did not answer', { failure });
    await ctx.ivr.say(media, seconds);
  }
  await hangUpAndFinish(ctx, FAILURE_HANGUP[failure]);
}

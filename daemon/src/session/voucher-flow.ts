/**
 * The voucher access number (config `voucherNumber`): a caller identified as usual (channel,
 * else PIN) dials it, keys a voucher code (`#`-terminated, up to `pinTries` entries), and the
 * code is redeemed for the caller's account in one store transaction; the caller hears the new
 * balance. Every code that credits nothing (unknown, used, disabled, expired) counts as a wrong
 * guess in the PIN guessing limits (guess-guard.ts), so codes cannot be guessed faster than PINs.
 * The call leaves one CDR, reason VOUCHER (cost 0), whose note says what happened.
 */
import type { Identified } from './identify.js';
import { silence } from './identify.js';
import { nextUniqueid, type CallContext } from './call-context.js';
import { db } from './call-scope.js';
import { hangUpAndFinish, recordRefusal } from './early-endings.js';
import { noGuessGuard, type GuessVerdict } from './guess-guard.js';
import { PROMPTS, voucherAccepted } from './prompts.js';
import { formatMoney } from '../rating/index.js';

export const MAX_CODE_DIGITS = 20;

/** Whether this call is one to the voucher access number. */
export function isVoucherCall(ctx: CallContext): boolean {
  const number = ctx.deps.config.voucherNumber;
  return !!number && ctx.offered.dialled === number && ctx.deps.vouchers !== undefined;
}

export async function redeemByPhone(ctx: CallContext, who: Identified): Promise<void> {
  const { config } = ctx.deps;
  const vouchers = ctx.deps.vouchers!;
  const guard = ctx.deps.pinGuard ?? noGuessGuard;
  const caller = ctx.offered.callerNumber;
  const locked = async (v: GuessVerdict): Promise<boolean> => {
    if (v.access !== 'refused') return false;
    await ctx.ivr.say(PROMPTS.pinLocked);
    return true;
  };
  await ctx.ivr.answer();
  let note = 'no code keyed';
  const tries = Math.max(1, config.pinTries);
  for (let attempt = 1; attempt <= tries; attempt++) {
    const entry = await ctx.ivr.ask(PROMPTS.enterVoucher, MAX_CODE_DIGITS);
    ctx.scope.check();
    if (entry.digits.length === 0) continue;
    const before = await guard.check(caller);
    if (await locked(before)) {
      note = 'voucher entry locked (guessing limits)';
      break;
    }
    if (before.access === 'slow') await ctx.ivr.say(silence(before.waitSeconds));
    ctx.scope.check();
    const r = await db(() => vouchers.redeemVoucher(who.account.name, entry.digits, 'phone'));
    if (r.ok && r.credited) {
      // Booked: the caller hears it even if hanging up now (no abort check before the CDR).
      note = `voucher ${r.entry.reference ?? ''}: credited ${formatMoney(r.value)}`;
      ctx.log.info('voucher redeemed', { account: who.account.name, reference: r.entry.reference });
      await ctx.ivr.say(voucherAccepted(r.entry.balanceAfter, r.currency));
      return finish(ctx, note);
    }
    const why = r.ok ? 'used' : r.why;
    note = `voucher refused: ${why}`;
    ctx.log.info('voucher code refused', { account: who.account.name, why });
    if (await locked(await guard.recordFailure('voucher', caller))) {
      note += '; voucher entry locked (guessing limits)';
      break;
    }
    await ctx.ivr.say(why === 'unknown' ? PROMPTS.voucherWrong : PROMPTS.voucherUsed);
    ctx.scope.check();
    if (attempt === tries) await ctx.ivr.say(PROMPTS.goodbye);
  }
  return finish(ctx, note);
}

async function finish(ctx: CallContext, note: string): Promise<void> {
  ctx.machine.to('ending');
  await recordRefusal(
    ctx,
    'VOUCHER',
    nextUniqueid(ctx),
    ctx.offered.dialled ?? '',
    ctx.offered.at,
    {
      end: ctx.aEnded?.at ?? ctx.lastEventAt,
      note,
    },
  );
  await hangUpAndFinish(ctx, 'normal');
}

/**
 * Before anything is dialled: who pays (identify: channel, else PIN), where to (the dialled
 * number, else asked for), at what rate (longest prefix), and whether the money and the call
 * limit allow it (authorise: one store transaction that reserves the attempt). Each step either
 * goes on or names the refusal (reason and prompt); the session turns that into the refused
 * call (early-endings.ts).
 */
import { maxAffordableSeconds, pricingOf, type Rate } from '../rating/index.js';
import { addAttempt, nextUniqueid, type Attempt, type CallContext } from './call-context.js';
import type { DialOutcome } from './call-events.js';
import { db, deferred } from './call-scope.js';
import { identifyByPin, identifyFromChannel, type Identified } from './identify.js';
import { noGuessGuard } from './guess-guard.js';
import { normaliseDestination } from './numbers.js';
import type { AuthoriseResult, RefusalReason } from './ports.js';
import { PROMPTS, balanceAnnouncement, refusalMedia } from './prompts.js';
import { callPlanEnv, planRoutes } from './route-plan.js';

/**
 * Whether what the dialplan passed (first Stasis arg, else ${EXTEN}) names a destination. A
 * value without any digit (`s` at a calling-card access number, a named extension, nothing at
 * all) does not: the caller is asked for the number. One with digits is taken as dialled and
 * validated (a non-digit or overlong number is refused as BADNUMBER).
 */
export function namesDestination(dialled: string | null): dialled is string {
  return dialled !== null && /\d/.test(dialled);
}

export const MAX_DESTINATION_DIGITS = 20;

/** What a destination must look like before it is rated and dialled. */
const VALID_DESTINATION = /^\d{1,20}$/;

/** A call refused before dialling: its CDR reason, the prompt played, the attempt it cost. */
export interface Refusal {
  reason: RefusalReason;
  media: readonly string[];
  uniqueid: string;
  /** Default: what was dialled. */
  dst?: string;
  /** The digits as dialled, when normalisation turned them into `dst`. */
  dialled?: string;
  /** Default: the latest event. */
  start?: Date;
  /** The store wrote the CDR already (authorise refusals). */
  recorded?: boolean;
}

export type Identification =
  { ok: true; who: Identified; cardFlow: boolean } | { ok: false; refusal: Refusal };

/** Accountcode / endpoint / ANI, else the card flow (PIN). */
export async function identifyCaller(ctx: CallContext): Promise<Identification> {
  const { store, config } = ctx.deps;
  // A call that names its destination has it rated together with the account (one round trip).
  const dialled = ctx.offered.dialled;
  const rateNumber =
    namesDestination(dialled) && VALID_DESTINATION.test(dialled) ? dialled : undefined;
  const fromChannel = await db(() => identifyFromChannel(store, ctx.offered, rateNumber));
  ctx.scope.check();
  if (fromChannel) return { ok: true, who: fromChannel, cardFlow: false };
  const guard = ctx.deps.pinGuard ?? noGuessGuard;
  const caller = ctx.offered.callerNumber;
  if ((await guard.check(caller)).access === 'refused')
    return {
      ok: false,
      refusal: { reason: 'LOCKED', media: PROMPTS.pinLocked, uniqueid: nextUniqueid(ctx) },
    };
  await ctx.ivr.answer();
  const pin = await identifyByPin(
    (p) => db(() => store.accountByPin(p)),
    ctx.ivr,
    config.pinTries,
    { check: () => guard.check(caller), failed: () => guard.recordFailure('pin', caller) },
  );
  ctx.scope.check();
  if (pin.ok) return { ok: true, who: pin.identified, cardFlow: true };
  return { ok: false, refusal: { reason: 'BADPIN', media: [], uniqueid: nextUniqueid(ctx) } };
}

/** Asks the caller for the number (up to `pinTries` empty entries); null when none was keyed. */
export async function askDestination(ctx: CallContext): Promise<string | null> {
  await ctx.ivr.answer();
  const tries = Math.max(1, ctx.deps.config.pinTries);
  for (let i = 0; i < tries; i++) {
    const entry = await ctx.ivr.ask(PROMPTS.enterDestination, MAX_DESTINATION_DIGITS + 1);
    ctx.scope.check();
    if (entry.digits.length > 0) return entry.digits;
  }
  return null;
}

export type Authorised = Extract<AuthoriseResult, { ok: true }>;

export type Authorisation =
  { ok: true; attempt: Attempt; res: Authorised } | { ok: false; refusal: Refusal };

/** Validates and rates `dst`, then reserves attempt `n` (state rating → authorising). */
export async function authoriseDestination(
  ctx: CallContext,
  who: Identified,
  n: number,
  dst: string | null,
  uniqueid: string,
  start: Date,
): Promise<Authorisation> {
  const { config, store } = ctx.deps;
  const account = who.account;
  let dialled: string | undefined;
  const refused = (reason: RefusalReason, media: readonly string[], recorded = false) =>
    ({
      ok: false,
      refusal: {
        reason,
        media,
        uniqueid,
        dst: dst ?? '',
        start,
        recorded,
        ...(dialled ? { dialled } : {}),
      },
    }) as const;
  if (dst !== null) {
    // Into E.164 before rating and dialling; a refusal keeps the digits as dialled in dst.
    const norm = await normaliseDestination(store, account, dst, who.rated?.rules);
    ctx.scope.check();
    if (!norm.ok) {
      ctx.log.info('number refused by the normalisation rules', { dst, why: norm.why });
      return refused('BADNUMBER', PROMPTS.noService);
    }
    if (norm.dialled !== undefined) [dst, dialled] = [norm.dst, norm.dialled];
  }
  if (dst === null || !VALID_DESTINATION.test(dst)) return refused('BADNUMBER', PROMPTS.noService);
  let rate =
    who.rated?.number === dst
      ? who.rated.rate
      : await db(() => store.rateFor(account.tariff, dst!, start));
  ctx.scope.check();
  if (!rate) return refused('NOROUTE', PROMPTS.noService);
  const bands = ctx.deps.bands;
  if (bands) {
    const flat = rate;
    // Read with the account when the number is the one rated then (a flat tariff: nothing more).
    const read = who.rated?.number === dst ? who.rated.banding : undefined;
    const banding = read !== undefined ? read : await db(() => bands.bandingFor(flat, dst!, start));
    ctx.scope.check();
    if (banding) rate = { ...rate, banding };
  }
  const routing = await planRoutes(
    callPlanEnv(ctx),
    account.tariff,
    dst,
    rate,
    who.rated?.number === dst ? who.rated.routing : undefined,
  );
  ctx.scope.check();
  if (routing.kind === 'refuse') return refused(routing.reason, PROMPTS.noService);

  ctx.machine.to('authorising');
  const asked = performance.now();
  const res = await db(() =>
    store.authorise({
      uniqueid,
      accountId: account.id,
      src: ctx.offered.callerNumber,
      dst,
      ...(dialled ? { dialled } : {}),
      rate,
      node: config.node,
      defaultMaxSeconds: config.maxCallSeconds,
      start,
      seen: account,
      ...(config.charging && ctx.deps.grantStore
        ? { charging: { mode: config.charging.mode, grantSeconds: config.charging.grantSeconds } }
        : {}),
    }),
  );
  ctx.metrics.observeAuthorise((performance.now() - asked) / 1000);
  // The call is priced through the exchange authorise snapshotted (its tariff's currency differs).
  const priced: Rate = res.ok && res.fx ? { ...rate, fx: res.fx } : rate;
  if (res.ok) {
    const attempt: Attempt = {
      n,
      uniqueid,
      dst,
      rate: priced,
      maxSeconds: res.maxSeconds,
      maxCost: res.maxCost,
      start,
      b: null,
      answeredAt: null,
      settled: false,
      outcome: deferred<DialOutcome>(),
      grant: res.grant ?? null,
      routes: routing.kind === 'routes' ? routing.routes : null,
    };
    addAttempt(ctx, attempt);
    ctx.attempt = attempt;
    ctx.log.info('call authorised', {
      uniqueid,
      dst,
      prefix: rate.prefix,
      maxSeconds: res.maxSeconds,
      maxCost: res.maxCost.toString(),
      grant: res.grant ?? null,
    });
  }
  ctx.scope.check();
  if (!res.ok) {
    return refused(res.reason, refusalMedia(res.reason), true);
  }
  return { ok: true, attempt: ctx.attempt!, res };
}

/** "You have … and … minutes" (config `announce`): answers the caller to say it. */
export async function announceBalance(
  ctx: CallContext,
  rate: Rate,
  res: Authorised,
): Promise<void> {
  const { config } = ctx.deps;
  const account = ctx.account!;
  await ctx.ivr.answer();
  // Grant mode reserves one slice, but the caller hears how long the money lasts in all (in the
  // account's currency: a converted rate through its exchange).
  const cap = account.maxCallSeconds ?? config.maxCallSeconds;
  const seconds = !res.grant
    ? res.maxSeconds
    : rate.fx
      ? pricingOf({ ...rate, banding: null }, 0).maxAffordable(res.available, cap)
      : maxAffordableSeconds(rate, res.available, cap);
  await ctx.ivr.sayOrAbort(balanceAnnouncement(res.available, seconds, account.currency));
}

/**
 * Dialling one leg: originate it into our app, then wait for its outcome — answered, or failed
 * (busy, no answer, congestion, unavailable; see dial-failure.ts for what each leads to). The
 * outcome comes from the switch's events; the session resolves it. Two guards of our own:
 * an originate request that fails counts as CHANUNAVAIL, and a leg with no outcome by the ring
 * timeout plus `ringGuardSeconds` is hung up and counts as NO ANSWER (cause 19). Ordinary
 * calls dial through dialAttempt, callback legs through callback-dial.ts; both use dialLeg.
 */
import type { Logger } from '../log.js';
import type { CallControl } from './call-control-port.js';
import type { DialOutcome } from './call-events.js';
import type { Attempt, CallContext, SessionConfig } from './call-context.js';
import { errorText, type Deferred } from './call-scope.js';
import type { DaemonClock, TimerHandle } from './clock.js';

export type { DialOutcome } from './call-events.js';

export interface DialLegRequest {
  control: Pick<CallControl, 'originate' | 'hangup'>;
  clock: DaemonClock;
  log: Logger;
  config: Pick<SessionConfig, 'dial' | 'ringTimeout' | 'ringGuardSeconds'>;
  number: string;
  /** Caller ID passed on to the far end. */
  callerId: string;
  leg: { channelId: string; otherChannelId: string };
  /** The channel the leg inherits linkedid and accountcode from ('' for none). */
  originator: string;
  /** Where the outcome goes (the session resolves it from events too). */
  outcome: Deferred<DialOutcome>;
  /** The time stamped on a failure the daemon finds itself (no event to take it from). */
  now(): Date;
  /** Extra fields for the log line. */
  logFields?: Record<string, unknown>;
}

/** The dial string of `number` (config `dial`, `{number}` replaced). */
export function dialString(template: string, number: string): string {
  return template.split('{number}').join(number);
}

/**
 * Originates the leg and arms the ring guard; resolves once the originate request is answered.
 * The caller cancels the returned guard when the outcome is known.
 */
export async function dialLeg(req: DialLegRequest): Promise<TimerHandle> {
  const { control, clock, log, config, leg, outcome } = req;
  const endpoint = dialString(config.dial, req.number);
  log.info('dialling', { ...req.logFields, endpoint, leg: leg.channelId });
  try {
    await control.originate({
      endpoint,
      callerId: req.callerId,
      ringTimeout: config.ringTimeout,
      channelId: leg.channelId,
      otherChannelId: leg.otherChannelId,
      originator: req.originator,
    });
  } catch (err) {
    log.warn('originate failed', { endpoint, error: errorText(err) });
    void control.hangup(leg.channelId, 'normal').catch(() => undefined);
    outcome.resolve({ kind: 'failed', failure: 'CHANUNAVAIL', cause: null, at: req.now() });
  }
  return clock.setTimer((config.ringTimeout + (config.ringGuardSeconds ?? 10)) * 1000, () => {
    if (outcome.done) return;
    log.warn('no dial outcome from Asterisk in time; giving up on the leg', {
      leg: leg.channelId,
    });
    void control.hangup(leg.channelId, 'normal').catch(() => undefined);
    outcome.resolve({ kind: 'failed', failure: 'NO ANSWER', cause: 19, at: req.now() });
  });
}

/**
 * The caller ID handed to the B leg: quotes stripped from the name and both parts capped, so
 * that a hostile or broken caller ID (10 kB, say) cannot make the originate request fail.
 */
export function originateCallerId(
  number: string | null | undefined,
  name: string | null | undefined,
): string {
  const num = (number ?? '').slice(0, 40);
  if (!num) return '';
  const display = (name ?? '').replace(/["<>]/g, '').slice(0, 40);
  return display ? `"${display}" <${num}>` : num;
}

/**
 * Dials the B leg of an ordinary call's attempt and waits for its outcome; throws Aborted if
 * the caller goes meanwhile. A caller not answered yet hears ringing. `via`: one trunk of a
 * routed call (route-dialler.ts): its template, the rewritten number and the leg's ids.
 */
export async function dialAttempt(
  ctx: CallContext,
  attempt: Attempt,
  via?: { dial: string; number: string; leg: { channelId: string; otherChannelId: string } },
): Promise<DialOutcome> {
  const { control, config, ids, clock } = ctx.deps;
  const leg = via?.leg ?? ids.leg();
  attempt.b = leg;
  ctx.deps.bind(leg.channelId, ctx.session);
  ctx.deps.bind(leg.otherChannelId, ctx.session);
  if (!ctx.answered) void control.ring(ctx.offered.channelId).catch(() => undefined);
  const guard = await dialLeg({
    control,
    clock,
    log: ctx.log,
    config: via ? { ...config, dial: via.dial } : config,
    number: via?.number ?? attempt.dst,
    callerId: originateCallerId(ctx.offered.callerNumber, ctx.offered.callerName),
    leg,
    originator: ctx.offered.channelId,
    outcome: attempt.outcome,
    now: () => ctx.lastEventAt,
    logFields: { uniqueid: attempt.uniqueid },
  });
  try {
    return await ctx.scope.until(attempt.outcome.promise);
  } finally {
    guard.cancel();
  }
}

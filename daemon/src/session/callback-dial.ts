/**
 * Dialling one leg of a callback: over its trunks when it was routed (route-dialler.ts, the
 * ordinary call's loop: claim, attempt row, failover), else through config `dial`. Each trunk
 * is a new channel of the leg; its reservation and CDR keep the leg's uniqueid, so the answering
 * trunk's attempt row gives the CDR its trunk, buy cost and margin at settlement. The leg's
 * final failure (event, originate error, ring guard) while the callback still waits for that
 * leg ends the callback through `end` with the leg's disposition.
 */
import type { DialOutcome } from './call-events.js';
import type { CallbackContext, CallbackEnd, CallbackState } from './callback-context.js';
import type { CallbackLeg } from './callback-legs.js';
import { Aborted, deferred, errorText } from './call-scope.js';
import { FAILURE_DISPOSITION } from './dial-failure.js';
import { dialLeg } from './dialler.js';
import { DEFAULT_FAILOVER } from './failover.js';
import { dialOverTrunks, type DialVia } from './route-dialler.js';

/**
 * Starts dialling `leg`; resolves once its first originate request is answered (as before
 * routing: the caller goes on while the leg rings). `onChannel`: the leg moved to a new
 * channel (a further trunk).
 */
export async function dialCallbackLeg(
  ctx: CallbackContext,
  leg: CallbackLeg,
  callerId: string,
  originator: string,
  end: (at: Date, how: CallbackEnd) => Promise<void>,
  onChannel: (leg: CallbackLeg) => void,
): Promise<void> {
  leg.dialled = true;
  const expected: CallbackState = leg.name === 'a' ? 'calling-a' : 'calling-b';
  const first = deferred<void>();
  // The first trunk dialled takes the leg's own channel (its uniqueid), later ones new ones.
  let ownDialled = false;
  const newLeg = () =>
    ownDialled
      ? ctx.deps.ids.leg()
      : { channelId: leg.uniqueid, otherChannelId: leg.otherChannelId };
  const one = async (via: DialVia | null): Promise<DialOutcome> => {
    if (via && via.leg.channelId !== leg.channelId) {
      leg.channelId = via.leg.channelId;
      leg.otherChannelId = via.leg.otherChannelId;
      onChannel(leg);
    }
    ownDialled = true;
    const outcome = deferred<DialOutcome>();
    leg.outcome = outcome;
    ctx.deps.bind(leg.channelId);
    ctx.deps.bind(leg.otherChannelId);
    const guard = await dialLeg({
      control: ctx.deps.control,
      clock: ctx.deps.clock,
      log: ctx.log,
      config: via ? { ...ctx.deps.config, dial: via.dial } : ctx.deps.config,
      number: via?.number ?? leg.number,
      callerId,
      leg,
      originator,
      outcome,
      now: () => ctx.deps.clock.now(),
      logFields: {
        callbackLeg: leg.name.toUpperCase(),
        ...(via ? { uniqueid: leg.uniqueid } : {}),
      },
    });
    first.resolve();
    try {
      return await ctx.scope.until(outcome.promise);
    } finally {
      guard.cancel();
    }
  };
  const routing = ctx.deps.routing;
  const dialled =
    leg.routes && routing
      ? dialOverTrunks(
          {
            routing,
            table: ctx.deps.config.routing?.failover ?? DEFAULT_FAILOVER,
            log: ctx.log,
            node: ctx.deps.config.node,
            newLeg,
            now: () => ctx.deps.clock.now(),
            answeredAt: () => leg.answeredAt,
            check: () => ctx.scope.check(),
            forgetLeg: (id) => ctx.deps.control.forgetLeg(id),
          },
          leg.routes,
          leg.uniqueid,
          leg.number,
          one,
        )
      : one(null);
  void dialled.then(
    (o) => {
      first.resolve();
      if (o.kind === 'failed' && ctx.machine.state === expected)
        return end(o.at, {
          [leg.name]: FAILURE_DISPOSITION[o.failure],
          cause: o.cause,
          by: leg.name,
        });
    },
    (err: unknown) => {
      first.resolve();
      if (err instanceof Aborted) return;
      ctx.log.error('dialling a callback leg failed', { leg: leg.name, error: errorText(err) });
      if (ctx.machine.state === expected) void ctx.kill('lost-channel');
    },
  );
  await first.promise;
}

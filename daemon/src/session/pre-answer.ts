/**
 * An ordinary call from its offer to the B leg's answer, through the phase modules: identify,
 * rate and authorise (authorise-flow.ts), the balance announcement, the dial over the routes
 * (route-dialler.ts), and for a destination that did not answer its settlement and, in the card
 * flow, another destination. A refusal, the caller leaving or a failure ends the call here
 * (early-endings.ts); once B answers, events drive the call (call-session.ts, connect.ts).
 */
import {
  authoriseDestination,
  announceBalance,
  askDestination,
  identifyCaller,
  namesDestination,
} from './authorise-flow.js';
import { nextUniqueid, type CallContext } from './call-context.js';
import { Aborted } from './call-scope.js';
import { endFailedDial, FAILURE_DISPOSITION } from './dial-failure.js';
import { abandon, failClosed, refuse } from './early-endings.js';
import { PROMPTS } from './prompts.js';
import { dialRoutes } from './route-dialler.js';
import { settleAttempt } from './settlement.js';
import { isVoucherCall, redeemByPhone } from './voucher-flow.js';

/** Runs the flow to the answer or to the call's early end. Never rejects for the call's own reasons. */
export async function runPreAnswer(c: CallContext): Promise<void> {
  try {
    await flow(c);
  } catch (err) {
    if (err instanceof Aborted || c.scope.aborted) await abandon(c);
    else await failClosed(c, err);
  }
}

async function flow(c: CallContext): Promise<void> {
  const { config } = c.deps;
  const offered = c.offered;
  c.machine.to('identifying');
  const id = await identifyCaller(c);
  if (!id.ok) return refuse(c, id.refusal);
  const { who } = id;
  c.account = who.account;
  c.log.info('caller identified', { account: who.account.name, via: who.via });
  if (who.account.status === 'blocked')
    return refuse(c, { reason: 'BLOCKED', media: PROMPTS.noService, uniqueid: nextUniqueid(c) });
  if (isVoucherCall(c)) return redeemByPhone(c, who);

  // The destination is asked for (card flow, or nothing dialled): the caller may try another.
  const twoStage = id.cardFlow || !namesDestination(offered.dialled);
  const maxAttempts = twoStage ? Math.max(1, config.maxDestinationAttempts ?? 3) : 1;
  for (let n = 0; n < maxAttempts; n++) {
    c.machine.to('rating');
    const uniqueid = nextUniqueid(c);
    const dst = twoStage ? await askDestination(c) : offered.dialled;
    c.destination = dst;
    const start = n === 0 ? offered.at : c.lastEventAt;
    const auth = await authoriseDestination(c, who, n, dst, uniqueid, start);
    if (!auth.ok) return refuse(c, auth.refusal);
    const { attempt, res } = auth;
    if (config.announce) await announceBalance(c, attempt.rate!, res);

    c.machine.to('dialling');
    const outcome = await dialRoutes(c, attempt);
    if (outcome.kind === 'answered') {
      c.scope.check();
      return; // talking: events drive the call from here
    }
    c.log.info('destination did not answer', {
      uniqueid,
      failure: outcome.failure,
      cause: outcome.cause,
    });
    await settleAttempt(
      c,
      attempt,
      FAILURE_DISPOSITION[outcome.failure],
      outcome.cause,
      null,
      outcome.at,
      0,
    );
    c.scope.check();
    if (n + 1 < maxAttempts) {
      await c.ivr.sayOrAbort(PROMPTS.tryAgain);
      continue;
    }
    return endFailedDial(c, outcome.failure);
  }
}

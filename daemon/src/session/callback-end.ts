/**
 * The end of a callback call: both legs hung up (but the one that ended it), the bridge
 * released, each leg settled once by the ordinary settle transaction with retries.
 */
import { bridgesFor } from './bridge-pool.js';
import { errorText } from './call-scope.js';
import { killNote } from './call-context.js';
import type { CallbackContext, CallbackEnd } from './callback-context.js';
import { legSettleRequest } from './callback-legs.js';
import { settleWithRetry } from './settlement.js';

/**
 * Ends both legs once: hang up what is still up, settle each leg (legSettlement: an answered
 * leg from its own answer, one that failed with its disposition, else CANCEL). False when it
 * had ended already.
 */
export async function endBothLegs(
  c: CallbackContext,
  at: Date,
  how: CallbackEnd,
): Promise<boolean> {
  if (c.machine.in('ending', 'settled')) return false;
  const from = c.machine.state;
  c.machine.to('ending');
  c.scope.end();
  for (const t of c.timers) t.cancel();
  c.timers = [];
  c.limit?.close();
  const { control } = c.deps;
  c.log.info('callback ended', { from, by: how.by, reason: c.killReason, cause: how.cause });
  const work: Promise<unknown>[] = [];
  for (const leg of [c.a, c.b])
    if (leg.dialled && how.by !== leg.name) work.push(control.hangup(leg.channelId, 'normal'));
  if (c.bridgeId) work.push(bridgesFor(c.deps).release(c.bridgeId));
  for (const r of await Promise.allSettled(work))
    if (r.status === 'rejected')
      c.log.warn('cleanup after the callback failed', { error: errorText(r.reason) });
  const note = killNote(c.killReason);
  for (const leg of [c.a, c.b]) {
    // B never dialled (A did not answer) says so instead of who ended the call.
    const unanswered =
      leg.name === 'b' && !leg.dialled ? 'callback: not dialled, leg A did not answer' : note;
    const res = await settleWithRetry(
      { store: c.deps.store, clock: c.deps.clock, log: c.log },
      legSettleRequest(leg, at, how.cause, how[leg.name], unanswered, note, how.endSource),
      'callback leg settled',
    );
    if (res) leg.settled = true;
  }
  return true;
}

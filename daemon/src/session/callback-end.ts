/**
 * The end of a callback call: both legs hung up (but the one that ended it), the bridge
 * released, each leg settled once by the ordinary settle transaction with retries.
 */
import { bridgesFor } from './bridge-pool.js';
import { errorText } from './call-scope.js';
import { killNote } from './call-context.js';
import type { CallbackContext, CallbackEnd } from './callback-context.js';
import type { CallbackLeg } from './callback-legs.js';
import { legSettleRequest } from './callback-legs.js';
import { awaitEnd, endWithin, provenEnd, type ProvenEnd } from './proven-end.js';
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
  // A talking callback ended by one leg's seen end: the other leg's fate decides the end.
  const other = from === 'talking' && how.by !== 'kill' ? (how.by === 'a' ? c.b : c.a) : null;
  if (other) c.otherEnd = awaitEnd(other.channelId);
  const work: Promise<unknown>[] = [];
  let otherHangup: Promise<unknown> | null = null;
  for (const leg of [c.a, c.b])
    if (leg.dialled && how.by !== leg.name) {
      const h = control.hangup(leg.channelId, 'normal');
      if (leg === other) otherHangup = h;
      work.push(h);
    }
  if (c.bridgeId) work.push(bridgesFor(c.deps).release(c.bridgeId));
  for (const r of await Promise.allSettled(work))
    if (r.status === 'rejected')
      c.log.warn('cleanup after the callback failed', { error: errorText(r.reason) });
  if (other && otherHangup && (await otherHangup.catch(() => 'failed')) !== 'hung-up') {
    const found = await endOfBoth(c, at, other);
    at = found.end;
    if (found.unseen) how = { ...how, endSource: 'last-up' };
  }
  c.otherEnd = null;
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

/**
 * Both legs talked only while both were up: when the `other` leg was found gone (or its hang-up
 * failed) the callback ends where proven-end.ts says, for both legs, from the later answer on.
 */
async function endOfBoth(c: CallbackContext, at: Date, other: CallbackLeg): Promise<ProvenEnd> {
  const answers = [c.a.answeredAt, c.b.answeredAt].filter((d): d is Date => d !== null);
  const answer = new Date(Math.max(...answers.map((d) => d.getTime())));
  return provenEnd({
    at,
    proven: c.deps.confirmedUp?.(),
    answer,
    otherSeen: () => endWithin(c.deps.clock, c.deps.config.hangupWaitSeconds ?? 5, c.otherEnd!),
    log: c.log,
    other: `leg ${other.name}`,
  });
}

/**
 * Callback calls at restart reconciliation: their two legs hold two reservations linked by one
 * callback_id (on the open CDRs). They are one call: either both legs are still bridged in one
 * of our bridges, both answered, and the pair is resumed as ONE CallbackSession (two legs), or
 * neither leg is adopted on its own (an ordinary adoption would swap A and B and split the
 * event routing of one call over two sessions) and each is settled by the ordinary path.
 */
import type { OpenCdr } from './ports.js';
import type { BridgeSummary } from './call-control-port.js';
import type { AdoptableCallback } from './callback-session.js';
import type { IdFactory } from './ids.js';
import type { Reservation } from './ports.js';

export interface CallbackPair {
  callbackId: string;
  /** The legs present among the reservations, A first (A's CDR has the lower id). */
  legs: { r: Reservation; cdr: OpenCdr }[];
}

/** The callback legs among `reservations`, grouped by callback id. */
export function callbackPairs(
  reservations: readonly Reservation[],
  open: ReadonlyMap<string, OpenCdr>,
): Map<string, CallbackPair> {
  const byId = new Map(reservations.map((r) => [r.uniqueid, r]));
  const pairs = new Map<string, CallbackPair>();
  // `open` is in CDR id order: A's leg comes first.
  for (const cdr of open.values()) {
    const r = byId.get(cdr.uniqueid);
    if (!cdr.callbackId || !r) continue;
    const pair = pairs.get(cdr.callbackId) ?? { callbackId: cdr.callbackId, legs: [] };
    pair.legs.push({ r, cdr });
    pairs.set(cdr.callbackId, pair);
  }
  return pairs;
}

/**
 * The pair as a call to resume, or null when it cannot go on: both legs' channels up in one of
 * our bridges, both answered (an answer that never reached the database counts from the
 * reservation's creation: the upper bound), at least one second left of the common end.
 */
export function adoptableCallback(
  pair: CallbackPair,
  channels: ReadonlyMap<string, string>,
  bridges: readonly BridgeSummary[],
  ids: Pick<IdFactory, 'isOurs'>,
  now: Date,
): AdoptableCallback | null {
  const [a, b] = pair.legs;
  if (!a || !b || pair.legs.length !== 2) return null;
  // A routed leg may talk on a further trunk's channel (its answered attempt's).
  const [chA, chB] = [a.cdr.channel ?? a.r.uniqueid, b.cdr.channel ?? b.r.uniqueid];
  if (!channels.has(chA) || !channels.has(chB)) return null;
  const bridge = bridges.find(
    (x) => ids.isOurs(x.id) && x.channels.includes(chA) && x.channels.includes(chB),
  );
  if (!bridge) return null;
  const leg = (l: { r: Reservation; cdr: OpenCdr }) => ({
    uniqueid: l.r.uniqueid,
    channel: l.cdr.channel ?? l.r.uniqueid,
    number: l.cdr.dst,
    answer: l.r.answer ?? l.cdr.answer ?? l.r.created,
    maxSeconds: l.r.maxSeconds,
  });
  const [legA, legB] = [leg(a), leg(b)];
  const end = Math.min(
    legA.answer.getTime() + legA.maxSeconds * 1000,
    legB.answer.getTime() + legB.maxSeconds * 1000,
  );
  if (end - now.getTime() < 1000) return null;
  return {
    callbackId: pair.callbackId,
    account: a.r.account,
    bridgeId: bridge.id,
    a: legA,
    b: legB,
  };
}

/**
 * The parts of a callback call (callback-session.ts) that need none of its state: the order and
 * adoption shapes, a leg's settlement request, and the grant again at the legs' answers (B
 * timed from A: PortaSIP's rule, store/tx/time-callback-b.ts).
 */
import type { EndSource } from './ports.js';
import type { Logger } from '../log.js';
import type { RankedRoute, Rate } from '../rating/index.js';
import type { DialOutcome } from './call-events.js';
import { errorText, type Deferred } from './call-scope.js';
import type { DaemonClock } from './clock.js';
import type { CallbackGrantStore } from './grant-ports.js';
import type { Account, Disposition, SettleRequest } from './ports.js';
import { secondsBetween } from './talk-time.js';

/** A leg of a new callback: its number, its rate, and its trunks (null: config `dial`). */
export interface OrderedLeg {
  number: string;
  rate: Rate;
  routes: RankedRoute[] | null;
}

export interface CallbackOrder {
  account: Account;
  a: OrderedLeg;
  b: OrderedLeg;
}

/** The order of a resumed callback: its rates are on its CDRs already. */
export interface ResumedOrder {
  account: Account;
  a: { number: string; rate: null };
  b: { number: string; rate: null };
}

/** A callback that an earlier run bridged and Asterisk still has up (reconcile-callback.ts). */
export interface AdoptableCallback {
  callbackId: string;
  /** The account's name. */
  account: string;
  bridgeId: string;
  a: AdoptedLeg;
  b: AdoptedLeg;
}

export interface AdoptedLeg {
  uniqueid: string;
  /** The channel it talks on (its uniqueid, or a further trunk's). */
  channel: string;
  number: string;
  answer: Date;
  /** The leg's grant (seconds from its answer). */
  maxSeconds: number;
}

export interface CallbackLeg {
  name: 'a' | 'b';
  number: string;
  rate: Rate | null;
  /** Its reservation and CDR: the channel id it was first dialled on. */
  readonly uniqueid: string;
  /** Routed leg: the profitable trunks in the order they are tried; null: config `dial`. */
  routes: RankedRoute[] | null;
  /** The channel dialled now (a further trunk dials a new one). */
  channelId: string;
  otherChannelId: string;
  answeredAt: Date | null;
  /** What its limit counts from: its answer, or the earliest it can have been when not seen. */
  limitFrom: Date | null;
  dialled: boolean;
  settled: boolean;
  /** The dial outcome, once the leg is dialled. */
  outcome: Deferred<DialOutcome> | null;
}

/**
 * The settlement of one leg at `at`: an answered leg is ANSWERED from its own answer; otherwise
 * its failure (or CANCEL) at no cost. `answeredNote` goes on an answered leg, `note` on the other.
 */
export function legSettleRequest(
  leg: CallbackLeg,
  at: Date,
  cause: number | null,
  failed: Disposition | undefined,
  note: string | undefined,
  answeredNote: string | undefined,
  endSource?: EndSource,
): SettleRequest {
  if (leg.answeredAt) {
    return {
      ...(endSource ? { endSource } : {}),
      uniqueid: leg.uniqueid,
      disposition: 'ANSWERED',
      hangupCause: cause ?? 16,
      answer: leg.answeredAt,
      end: at,
      billsec: secondsBetween(leg.answeredAt, at),
      ...(answeredNote ? { note: answeredNote } : {}),
    };
  }
  return {
    uniqueid: leg.uniqueid,
    disposition: failed ?? 'CANCEL',
    hangupCause: cause,
    answer: null,
    end: at,
    billsec: 0,
    ...(note ? { note } : {}),
  };
}

/** Whether a leg's rate has time bands: its grant is then priced again at the answers. */
export function bandedLegs(a: CallbackLeg, b: CallbackLeg): boolean {
  return Boolean(a.rate?.banding || b.rate?.banding);
}

/**
 * The grant again at a leg's answer (store/tx/time-callback-b.ts): at A's answer (`b` not
 * answered; banded legs only) one common time from A's answer; at B's, B's time from A's (the
 * ring time of B is not lost): cost_A(ring + T_B) + cost_B(T_B) fits the money, each leg priced
 * from its own answer. 'none': not one second fits any more (the callback must end at once);
 * 'failed': the store could not (the caller decides: a flat callback keeps A's answer + T,
 * which both reservations cover).
 */
export type LegTiming =
  { kind: 'timed'; endAt: number; seconds: number } | { kind: 'none' | 'failed' };

export async function timeLegs(
  deps: {
    grants: CallbackGrantStore;
    clock: DaemonClock;
    config: { maxCallSeconds: number };
  },
  log: Logger,
  a: CallbackLeg,
  b: CallbackLeg,
): Promise<LegTiming> {
  const atB = b.answeredAt !== null;
  try {
    const res = await deps.grants.timeCallbackB({
      a: a.uniqueid,
      b: b.uniqueid,
      aAnswer: a.answeredAt!,
      bAnswer: b.answeredAt,
      at: deps.clock.now(),
      defaultMaxSeconds: deps.config.maxCallSeconds,
    });
    if (!res.ok) {
      log.warn('the callback legs could not be timed', { reason: res.reason });
      return { kind: 'failed' };
    }
    log.info(atB ? 'leg B timed from leg A' : "callback timed from leg A's answer", {
      aSeconds: res.aSeconds,
      bSeconds: res.bSeconds,
      costA: res.costA.toString(),
      costB: res.costB.toString(),
    });
    if (res.bSeconds < 1) return { kind: 'none' };
    const leg = atB ? b : a;
    return {
      kind: 'timed',
      endAt: (leg.limitFrom ?? leg.answeredAt!).getTime() + res.bSeconds * 1000,
      seconds: res.aSeconds,
    };
  } catch (err) {
    log.warn('could not time the callback legs', { error: errorText(err) });
    return { kind: 'failed' };
  }
}

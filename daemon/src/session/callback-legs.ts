/**
 * The parts of a callback call (callback-session.ts) that need none of its state: the order and
 * adoption shapes, a leg's settlement request, and timing leg B from leg A when B answers
 * (PortaSIP's rule, store/tx/time-callback-b.ts).
 */
import type { EndSource } from './ports.js';
import type { Logger } from '../log.js';
import type { Rate } from '../rating/index.js';
import type { DialOutcome } from './call-events.js';
import { errorText, type Deferred } from './call-scope.js';
import type { DaemonClock } from './clock.js';
import type { CallbackGrantStore } from './grant-ports.js';
import type { Account, Disposition, SettleRequest } from './ports.js';
import { secondsBetween } from './talk-time.js';

export interface CallbackOrder {
  account: Account;
  a: { number: string; rate: Rate };
  b: { number: string; rate: Rate };
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
  number: string;
  answer: Date;
  /** The leg's grant (seconds from its answer). */
  maxSeconds: number;
}

export interface CallbackLeg {
  name: 'a' | 'b';
  number: string;
  rate: Rate | null;
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
      uniqueid: leg.channelId,
      disposition: 'ANSWERED',
      hangupCause: cause ?? 16,
      answer: leg.answeredAt,
      end: at,
      billsec: secondsBetween(leg.answeredAt, at),
      ...(answeredNote ? { note: answeredNote } : {}),
    };
  }
  return {
    uniqueid: leg.channelId,
    disposition: failed ?? 'CANCEL',
    hangupCause: cause,
    answer: null,
    end: at,
    billsec: 0,
    ...(note ? { note } : {}),
  };
}

/**
 * B's time from A's, once B answered: the ring time of B is not lost. Both legs' reservations are
 * re-cut in one transaction so that cost_A(ring + T_B) + cost_B(T_B) fits the money. Returns the
 * new common end (ms), or null when the store could not (the end stays A's answer + T, which both
 * reservations cover).
 */
export async function timeLegB(
  deps: {
    grants: CallbackGrantStore;
    clock: DaemonClock;
    config: { maxCallSeconds: number };
  },
  log: Logger,
  a: CallbackLeg,
  b: CallbackLeg,
): Promise<number | null> {
  const bAnswer = b.answeredAt!.getTime();
  const ringSecs = Math.max(0, Math.floor((bAnswer - a.answeredAt!.getTime()) / 1000));
  try {
    const res = await deps.grants.timeCallbackB({
      a: a.channelId,
      b: b.channelId,
      ringSecs,
      at: deps.clock.now(),
      defaultMaxSeconds: deps.config.maxCallSeconds,
    });
    if (!res.ok || res.bSeconds < 1) {
      log.warn('leg B could not be timed from leg A; the common end stays', {
        reason: res.ok ? 'no second of B fits' : res.reason,
      });
      return null;
    }
    log.info('leg B timed from leg A', {
      ringSecs,
      aSeconds: res.aSeconds,
      bSeconds: res.bSeconds,
      costA: res.costA.toString(),
      costB: res.costB.toString(),
    });
    return (b.limitFrom ?? b.answeredAt!).getTime() + res.bSeconds * 1000;
  } catch (err) {
    log.warn('could not time leg B from leg A; the common end stays', { error: errorText(err) });
    return null;
  }
}

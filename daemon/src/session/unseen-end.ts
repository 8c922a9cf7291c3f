/**
 * The one rule for a call whose end the daemon did not see: its channels vanished during an ARI
 * websocket gap, while the daemon was down (restart reconciliation), or housekeeping found its
 * reservation with no session and no channel left. Whatever found it, it is settled here.
 *
 * The real end lies in [last moment the call was confirmed up, first moment it was confirmed
 * gone]. Confirmed up: the websocket was connected and delivered no end for it, or Asterisk
 * listed all its channels (a checkpoint tick, a poll during a websocket gap; the tick's stamp
 * is the CDR checkpoint, so a restart knows it too). Confirmed gone: the channel list that did
 * not have it. Which end of the interval is billed is a policy (ASTBILL_UNSEEN_END):
 *
 *   last-up     (default) the last moment it was confirmed up: never charge time nobody can
 *               prove; what the operator can lose is bounded by the stamp interval.
 *   first-gone  the first moment it was confirmed gone, capped at the grant (Asterisk's
 *               TIMEOUT(absolute) cut it by then): the operator never loses; the subscriber
 *               may pay for the gap.
 *
 * Where Asterisk writes its own CDR into the billing database (cdr_adaptive_odbc into the
 * asterisk_cdr table, see asterisk-conf/), its end is used instead: exact. Each such CDR says
 * which it was (astcdr.end_source) and says so in its note.
 */
import type { Logger } from '../log.js';
import type {
  BillingStore,
  CheckpointStore,
  EndSource,
  OpenCdr,
  Reservation,
  SettleResult,
} from './ports.js';
import { errorText } from '../error-text.js';

export type UnseenEndPolicy = 'last-up' | 'first-gone';
export const UNSEEN_END_POLICIES: readonly UnseenEndPolicy[] = ['last-up', 'first-gone'];

export interface UnseenEvidence {
  answer: Date;
  /** The last moment the call was confirmed up (null: not once after the answer). */
  lastUp: Date | null;
  /** The first moment it was confirmed gone. */
  goneAt: Date;
  /** The grant (seconds from the answer). */
  maxSeconds: number;
  /** The end in Asterisk's own CDR, when it wrote one. */
  asteriskEnd: Date | null;
}

export interface UnseenEnd {
  end: Date;
  billsec: number;
  source: EndSource;
}

const at = (ms: number): Date => new Date(ms);

/** The end billed for a call whose end was not seen (pure). */
export function unseenEnd(policy: UnseenEndPolicy, ev: UnseenEvidence): UnseenEnd {
  const answer = ev.answer.getTime();
  const cap = Math.min(answer + ev.maxSeconds * 1000, Math.max(answer, ev.goneAt.getTime()));
  const clamp = (ms: number): number => Math.min(Math.max(ms, answer), cap);
  let end: number;
  let source: EndSource;
  if (ev.asteriskEnd) {
    end = Math.max(answer, Math.min(ev.asteriskEnd.getTime(), answer + ev.maxSeconds * 1000));
    source = 'asterisk-cdr';
  } else if (policy === 'first-gone') {
    end = cap;
    source = 'first-gone';
  } else {
    end = clamp(ev.lastUp?.getTime() ?? answer);
    source = 'last-up';
  }
  return { end: at(end), billsec: Math.max(0, Math.floor((end - answer) / 1000)), source };
}

export function describeEnd(e: UnseenEnd): string {
  switch (e.source) {
    case 'asterisk-cdr':
      return `end not seen; billed to the end in Asterisk's CDR (${e.billsec}s)`;
    case 'first-gone':
      return `end not seen; billed to the first moment it was confirmed gone (${e.billsec}s)`;
    case 'last-up':
      return `end not seen; billed to the last moment it was confirmed up (${e.billsec}s)`;
  }
}

export interface UnseenEndsOptions {
  policy: UnseenEndPolicy;
  /** Asterisk's own CDR; null when the store cannot read it. */
  asteriskCdr: Pick<CheckpointStore, 'asteriskEnd'> | null;
  logger: Logger;
}

/** A call that has no session any more (restart, housekeeping), as the store knows it. */
export interface SessionlessCall {
  reservation: Reservation;
  /** Its open CDR with the last checkpoint, when known. */
  cdr: OpenCdr | null;
  /** The first moment it was confirmed gone. */
  goneAt: Date;
  /** A bridged call whose answer never reached the database: when it was found talking (never earlier). */
  answerFallback?: Date | null;
  /** Who settles it, for the note ('reconciled', 'housekeeping'). */
  by: string;
}

export interface SessionlessSettlement extends SettleResult {
  answered: boolean;
  end: UnseenEnd | null;
}

export class UnseenEnds {
  constructor(private readonly opts: UnseenEndsOptions) {}

  get policy(): UnseenEndPolicy {
    return this.opts.policy;
  }

  /** The end to bill for a call answered at `answer` whose end was not seen. */
  async decide(
    call: Omit<UnseenEvidence, 'asteriskEnd'> & { channelIds: string[] },
  ): Promise<UnseenEnd> {
    let asteriskEnd: Date | null = null;
    try {
      asteriskEnd =
        (await this.opts.asteriskCdr?.asteriskEnd(call.channelIds, call.answer)) ?? null;
    } catch (err) {
      this.opts.logger.warn("cannot read Asterisk's CDR; the end of the call follows the policy", {
        channels: call.channelIds,
        error: errorText(err),
      });
    }
    return unseenEnd(this.opts.policy, { ...call, asteriskEnd });
  }

  /**
   * Settles a call that has no session (restart reconciliation, housekeeping): answered ones by
   * the rule above, the others released at no cost. Idempotent (the store's settle is).
   */
  async settleSessionless(
    store: Pick<BillingStore, 'settle'>,
    call: SessionlessCall,
  ): Promise<SessionlessSettlement> {
    const r = call.reservation;
    const known = r.answer ?? call.cdr?.answer ?? null;
    const answer = known ?? call.answerFallback ?? null;
    if (!answer) {
      const res = await store.settle({
        uniqueid: r.uniqueid,
        disposition: 'FAILED',
        hangupCause: null,
        answer: null,
        end: call.goneAt,
        billsec: 0,
        note: `${call.by}: not answered when its end went unseen; released`,
      });
      return { ...res, answered: false, end: null };
    }
    const secs = call.cdr?.checkpointSecs ?? null;
    const end = await this.decide({
      channelIds: channelsOf(r.uniqueid),
      answer,
      lastUp: secs === null ? null : new Date(answer.getTime() + secs * 1000),
      goneAt: call.goneAt,
      maxSeconds: r.maxSeconds,
    });
    const res = await store.settle({
      uniqueid: r.uniqueid,
      disposition: 'ANSWERED',
      hangupCause: null,
      answer,
      end: end.end,
      billsec: end.billsec,
      note: `${call.by}: ${describeEnd(end)}${known ? '' : ', answer unknown: start used'}`,
      endSource: end.source,
    });
    return { ...res, answered: true, end };
  }
}

/**
 * The channel ids Asterisk's CDR may file a call attempt under: the attempt id itself (the A
 * channel's uniqueid) and, for `<A>.<n>` (a later attempt of a card call), `<A>`. Asterisk's own
 * uniqueids have a dot too, so both are asked for; the answer time tells the attempts apart.
 */
export function channelsOf(uniqueid: string): string[] {
  const dot = uniqueid.lastIndexOf('.');
  return dot > 0 && /^\d+$/.test(uniqueid.slice(dot + 1))
    ? [uniqueid, uniqueid.slice(0, dot)]
    : [uniqueid];
}

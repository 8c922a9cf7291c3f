/**
 * Restart reconciliation of one reservation no session holds (reconcile.ts runs the pass): a
 * call still talking in one of our bridges is handed to `adopt`; anything else is over, its
 * legs hung up, its bridge destroyed, and it is settled by the rule for an end that was not
 * seen (unseen-end.ts), flagged 'reconciled'.
 */
import type { Logger } from '../log.js';
import type { BillingStore, OpenCdr, Reservation } from './ports.js';
import type { BridgeSummary, CallControl } from './call-control-port.js';
import { secondsBetween } from './talk-time.js';
import type { IdFactory } from './ids.js';
import type { UnseenEnds } from './unseen-end.js';
import { errorText } from './call-scope.js';

/** A call that outlived the daemon, handed to `adopt` to be supervised again. */
export interface AdoptableCall {
  uniqueid: string;
  accountId: number;
  account: string;
  aChannelId: string;
  aChannelName: string;
  bChannelId: string;
  /** The `;2` half of a Local B leg, when Asterisk still has it. */
  bOtherChannelId: string | null;
  bridgeId: string;
  /** When the far end answered (from the CDR), or when reconciliation found it talking if unknown. */
  answer: Date;
  answerEstimated: boolean;
  /** The grant (seconds from the answer). */
  maxSeconds: number;
  /** Seconds of the grant still left now (≥ 1). */
  remainingSeconds: number;
  created: Date;
}

export interface ReconciledCall {
  uniqueid: string;
  answered: boolean;
  billsec: number;
  checkpoint: number | null;
  cost: bigint;
  /** false when the store found it settled already (nothing changed). */
  settled: boolean;
}

export interface ReconcileReport {
  reservations: number;
  /** Held by live sessions of this run: left to them. */
  live: string[];
  adopted: string[];
  settled: ReconciledCall[];
  failed: string[];
  leftoverBridges: string[];
  leftoverChannels: string[];
  /** Open CDRs of this node with no reservation (e.g. settlement waiting in a journal). */
  orphanCdrs: string[];
  skipped?: string;
}

export const RECONCILED_NOTE = 'reconciled';

/** What reconciling one call needs (a part of ReconcilerOptions). */
export interface ReconcileCallDeps {
  store: Pick<BillingStore, 'settle'>;
  control: Pick<CallControl, 'hangup' | 'destroyBridge'>;
  ids: Pick<IdFactory, 'isOurs'>;
  logger: Logger;
  unseen: UnseenEnds;
  adopt(call: AdoptableCall): boolean | Promise<boolean>;
}

export async function reconcileCall(
  deps: ReconcileCallDeps,
  r: Reservation,
  cdr: OpenCdr | null,
  channels: Map<string, string>,
  bridges: BridgeSummary[],
  now: Date,
  report: ReconcileReport,
  /** false for a callback leg: never adopted as an ordinary call on its own. */
  mayAdopt = true,
): Promise<void> {
  const { control, logger, ids } = deps;
  const aId = aChannelOf(r.uniqueid, channels);
  const bridge = aId
    ? bridges.find((b) => ids.isOurs(b.id) && b.channels.includes(aId))
    : undefined;
  const bId = bridge?.channels.find((c) => c !== aId && channels.has(c)) ?? null;
  const answerKnown = r.answer ?? cdr?.answer ?? null;
  const talking = aId !== null && bId !== null && bridge !== undefined;
  // No answer on record (its batched mark died with the process, store/answer-batch.ts): the
  // earliest instant the answer is proven is now, when Asterisk shows both legs in our bridge.
  // Asterisk's channel list gives only creation times, which precede the ringing: billing from
  // them would charge ring time, so the talk before now is the operator's loss, never the caller's.
  const answer = answerKnown ?? (talking ? now : null);
  // The limit counts from the earliest the answer can have been: never talk past the grant.
  const limitFrom = answerKnown ?? r.created;

  if (mayAdopt && talking && answer) {
    const remaining = r.maxSeconds - secondsBetween(limitFrom, now);
    if (remaining >= 1) {
      const call: AdoptableCall = {
        uniqueid: r.uniqueid,
        accountId: r.accountId,
        account: r.account,
        aChannelId: aId,
        aChannelName: channels.get(aId) ?? '',
        bChannelId: bId,
        bOtherChannelId: channels.has(`${bId}-2`) ? `${bId}-2` : null,
        bridgeId: bridge.id,
        answer,
        answerEstimated: answerKnown === null,
        maxSeconds: r.maxSeconds,
        remainingSeconds: remaining,
        created: r.created,
      };
      let ok = false;
      try {
        ok = await deps.adopt(call);
      } catch (err) {
        logger.error('could not resume supervision of a live call; ending it', {
          uniqueid: r.uniqueid,
          error: errorText(err),
        });
      }
      if (ok) {
        report.adopted.push(r.uniqueid);
        logger.warn('call survived the daemon; supervision resumed', {
          uniqueid: r.uniqueid,
          account: r.account,
          a: aId,
          b: bId,
          bridge: bridge.id,
          remainingSeconds: remaining,
          answerEstimated: answerKnown === null,
        });
        return;
      }
    }
  }

  // The call is over (or cannot go on): hang up what is left, then settle from what is known.
  const work: Promise<unknown>[] = [];
  if (aId) work.push(control.hangup(aId, 'normal'));
  if (bId) work.push(control.hangup(bId, 'normal'));
  if (bridge) work.push(control.destroyBridge(bridge.id));
  for (const res of await Promise.allSettled(work)) {
    if (res.status === 'rejected')
      logger.warn('reconciliation: cleanup failed', {
        uniqueid: r.uniqueid,
        error: errorText(res.reason),
      });
  }
  if (bridge) report.leftoverBridges.push(bridge.id);
  const checkpoint = cdr?.checkpointSecs ?? null;
  const res = await deps.unseen.settleSessionless(deps.store, {
    reservation: r,
    cdr,
    goneAt: now,
    answerFallback: answer,
    by: RECONCILED_NOTE,
  });
  report.settled.push({
    uniqueid: r.uniqueid,
    answered: res.answered,
    billsec: res.billsec,
    checkpoint,
    cost: res.cost,
    settled: res.settled,
  });
  logger.error(
    'RECONCILED: a call of this node ended while the daemon was away; settled from what is known',
    {
      uniqueid: r.uniqueid,
      account: r.account,
      answered: res.answered,
      answer: answer?.toISOString() ?? null,
      checkpoint,
      endSource: res.end?.source ?? null,
      billsec: res.billsec,
      cost: res.cost.toString(),
      channelsLeft: [aId, bId].filter(Boolean),
      alreadySettled: !res.settled,
    },
  );
}

/**
 * The A channel of a call attempt, if Asterisk still has it: the uniqueid itself, or for later
 * attempts of a card call (`<A channel id>.<n>`) the id without its last part.
 */
export function aChannelOf(
  uniqueid: string,
  channels: Map<string, string> | Set<string>,
): string | null {
  if (channels.has(uniqueid)) return uniqueid;
  const dot = uniqueid.lastIndexOf('.');
  if (dot > 0 && /^\d+$/.test(uniqueid.slice(dot + 1))) {
    const a = uniqueid.slice(0, dot);
    if (channels.has(a)) return a;
  }
  return null;
}

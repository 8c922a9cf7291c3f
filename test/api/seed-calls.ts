/** Places calls through the real store transactions (authorise → settle, or a refusal) for API and report tests. */
import type { Rate } from '../../daemon/src/rating/index.js';
import type { Disposition, RefusalReason } from '../../daemon/src/session/ports.js';
import type { KnexBillingStore } from '../../daemon/src/store/knex-store.js';
import { uniqueName } from '../support/db.js';

export interface PlacedCall {
  uniqueid: string;
}

/** An answered call of `billsec` seconds, started at `start`, settled. */
export async function answeredCall(
  store: KnexBillingStore,
  c: {
    accountId: number;
    rate: Rate;
    dst: string;
    start: Date;
    billsec: number;
    node?: string;
    uniqueid?: string;
  },
): Promise<PlacedCall> {
  const uniqueid = c.uniqueid ?? uniqueName('call');
  const res = await store.authorise({
    uniqueid,
    accountId: c.accountId,
    src: '1001',
    dst: c.dst,
    rate: c.rate,
    node: c.node ?? 'node1',
    defaultMaxSeconds: 3600,
    start: c.start,
  });
  if (!res.ok) throw new Error(`authorise refused: ${res.reason}`);
  const answer = new Date(c.start.getTime() + 5000);
  await store.settle({
    uniqueid,
    disposition: 'ANSWERED',
    hangupCause: 16,
    answer,
    end: new Date(answer.getTime() + c.billsec * 1000),
    billsec: c.billsec,
  });
  return { uniqueid };
}

/** A call that was authorised, then ended unanswered (busy, no answer, ...): cost 0. */
export async function unansweredCall(
  store: KnexBillingStore,
  c: {
    accountId: number;
    rate: Rate;
    dst: string;
    start: Date;
    disposition: Exclude<Disposition, 'ANSWERED'>;
  },
): Promise<PlacedCall> {
  const uniqueid = uniqueName('call');
  const res = await store.authorise({
    uniqueid,
    accountId: c.accountId,
    src: '1001',
    dst: c.dst,
    rate: c.rate,
    node: 'node1',
    defaultMaxSeconds: 3600,
    start: c.start,
  });
  if (!res.ok) throw new Error(`authorise refused: ${res.reason}`);
  await store.settle({
    uniqueid,
    disposition: c.disposition,
    hangupCause: 17,
    answer: null,
    end: new Date(c.start.getTime() + 20_000),
    billsec: 0,
  });
  return { uniqueid };
}

/** A call refused before authorisation (FAILED CDR with a reason). */
export async function refusedCall(
  store: KnexBillingStore,
  c: { accountId: number | null; dst: string; start: Date; reason: RefusalReason },
): Promise<PlacedCall> {
  const uniqueid = uniqueName('call');
  await store.recordRefusal({
    uniqueid,
    accountId: c.accountId,
    src: '1001',
    dst: c.dst,
    reason: c.reason,
    node: 'node1',
    start: c.start,
  });
  return { uniqueid };
}

/** A call still in progress: authorised (a reservation) and, when `answer` is given, answered. */
export async function liveCall(
  store: KnexBillingStore,
  c: { accountId: number; rate: Rate; dst: string; start: Date; node?: string; answer?: Date },
): Promise<PlacedCall & { maxSeconds: number }> {
  const uniqueid = uniqueName('call');
  const res = await store.authorise({
    uniqueid,
    accountId: c.accountId,
    src: '1001',
    dst: c.dst,
    rate: c.rate,
    node: c.node ?? 'node1',
    defaultMaxSeconds: 3600,
    start: c.start,
  });
  if (!res.ok) throw new Error(`authorise refused: ${res.reason}`);
  if (c.answer) await store.markAnswered(uniqueid, c.answer);
  return { uniqueid, maxSeconds: res.maxSeconds };
}

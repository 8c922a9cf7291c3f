/**
 * The anomaly stop: an account that behaves like a hijacked one is blocked automatically,
 * INSIDE the money transaction that saw it (under the account lock), so the block, its audit row
 * and its 'account.auto_blocked' event commit together with that transaction or not at all.
 * Thresholds are per account (astcap, migration 0011; null: off):
 *
 *   burst     the calls that ENDED in the last burst_minutes cost more than burst_spend in total
 *             (settled cost; checked by tx/settle, the moment money is really spent, and by the
 *             late charge of a call allowed during a database outage, burstStopAfterCharge)
 *   probing   blockeddest_per_min calls within 60 s refused BLOCKEDDEST (dialling premium or
 *             satellite ranges the rules deny; checked by tx/authorise at that refusal)
 *   spike     a new call would make more than concurrent_max live calls (checked by authorise;
 *             max_calls only refuses the one call, this stops the account)
 *
 * The live calls of a blocked account are ended by every daemon's block sweep
 * (session/block-sweep.ts) through the one kill path.
 */
import type { Knex } from 'knex';
import { formatMoney, moneyFromDb, type Money, type SpendCaps } from '../rating/index.js';
import { capsOf } from './caps.js';
import { recordAudit } from './operators/audit.js';
import { emitEvent } from './outbox.js';
import { toDbTime } from './time.js';

export type AnomalyTrigger = 'burst' | 'probing' | 'spike';

/** The audit actor of an automatic block. */
export const ANOMALY_ACTOR = 'system:anomaly-stop';

export interface AutoBlock {
  accountId: number;
  account: string;
  trigger: AnomalyTrigger;
  /** What was measured and the threshold it crossed (money as decimal strings). */
  measured: string;
  threshold: string;
  /** What set it off (a call's uniqueid): the event's idempotency cause. */
  cause: string;
  at: Date;
}

/**
 * Blocks the account (when still active) in the caller's transaction, with an audit row and an
 * 'account.auto_blocked' event. An account already blocked is left as it is (no second event).
 */
export async function autoBlock(trx: Knex.Transaction, b: AutoBlock): Promise<boolean> {
  const n = await trx('astaccount')
    .where({ id: b.accountId, status: 'active' })
    .update({ status: 'blocked', updated: toDbTime(new Date()) });
  if (n !== 1) return false;
  const why = { trigger: b.trigger, measured: b.measured, threshold: b.threshold, cause: b.cause };
  await recordAudit(trx, {
    actor: ANOMALY_ACTOR,
    action: 'block',
    target: `account:${b.account}`,
    before: { status: 'active' },
    after: { status: 'blocked', ...why },
    at: b.at,
  });
  await emitEvent(trx, {
    kind: 'account.auto_blocked',
    cause: b.cause,
    accountId: b.accountId,
    at: b.at,
    data: { account: b.account, ...why },
  });
  return true;
}

type Who = Pick<AutoBlock, 'accountId' | 'account' | 'cause' | 'at'>;

/** Spike: `live` calls now, `adding` more asked for; true when the account was blocked. */
export async function spikeStop(
  trx: Knex.Transaction,
  caps: SpendCaps,
  who: Who,
  live: number,
  adding: number,
): Promise<boolean> {
  const max = caps.concurrentMax;
  if (max === null || live + adding <= max) return false;
  await autoBlock(trx, {
    ...who,
    trigger: 'spike',
    measured: String(live + adding),
    threshold: String(max),
  });
  return true;
}

/** Probing: called at a BLOCKEDDEST refusal, before its CDR is written. */
export async function probingStop(
  trx: Knex.Transaction,
  caps: SpendCaps,
  who: Who,
): Promise<boolean> {
  const max = caps.blockedDestPerMin;
  if (max === null) return false;
  const row = (await trx('astcdr')
    .count({ n: '*' })
    .where({ account_id: who.accountId, reason: 'BLOCKEDDEST' })
    .where('start', '>', toDbTime(new Date(who.at.getTime() - 60_000)))
    .first()) as { n: number | string } | undefined;
  const refused = Number(row?.n ?? 0) + 1;
  if (refused < max) return false;
  await autoBlock(trx, {
    ...who,
    trigger: 'probing',
    measured: String(refused),
    threshold: String(max),
  });
  return true;
}

/** Burst: called by settle after the call's CDR is settled (its cost is in the sum). */
export async function burstStop(
  trx: Knex.Transaction,
  limits: { minutes: number | null; spend: Money | null },
  who: Who,
): Promise<boolean> {
  if (limits.minutes === null || limits.spend === null) return false;
  const row = (await trx('astcdr')
    .sum({ total: 'cost' })
    .where({ account_id: who.accountId, status: 'settled' })
    .where('end', '>=', toDbTime(new Date(who.at.getTime() - limits.minutes * 60_000)))
    .first()) as { total: unknown } | undefined;
  const spent = row?.total === null || row?.total === undefined ? 0n : moneyFromDb(row.total);
  if (spent <= limits.spend) return false;
  await autoBlock(trx, {
    ...who,
    trigger: 'burst',
    measured: formatMoney(spent),
    threshold: formatMoney(limits.spend),
  });
  return true;
}

/**
 * burstStop for a charge written outside settle (resilience/late-charge.ts, at journal replay):
 * the account's burst thresholds are read here, in the charge's transaction (its account lock
 * is held), instead of with settle's locking read.
 */
export async function burstStopAfterCharge(trx: Knex.Transaction, who: Who): Promise<boolean> {
  const caps = await capsOf(trx, who.accountId);
  return burstStop(trx, { minutes: caps.burstMinutes, spend: caps.burstSpend }, who);
}

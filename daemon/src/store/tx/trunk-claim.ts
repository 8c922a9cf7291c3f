/**
 * claimTrunk: take one channel of a trunk for a call attempt, in ONE transaction, across every
 * daemon on the database (as authorise does for an account's credit).
 *
 * Inputs:  uniqueid (the call's reservation), trunk id, B-leg channel id, node, the buy-rate
 *          snapshot, start.
 * Locks:   the trunk row (MySQL `SELECT … FOR UPDATE`; SQLite BEGIN IMMEDIATE), so two daemons
 *          claiming the last channel of one trunk are serialised.
 * Writes:  an astcallattempt row (outcome NULL = ringing) when the trunk has no limit or fewer
 *          busy channels than its limit. Busy = attempts ringing or answered whose call still
 *          holds its reservation, or has no CDR at all: a settled, released or swept call frees
 *          its channel by itself, also after a crash. A CDR-less attempt is a call allowed while
 *          the database failed (resilience/outage-policy.ts, 'allow-capped'): its reservation is
 *          only in its daemon's journal, and it gets its CDR when that journal is replayed (its
 *          end, or its grant plus a margin for an orphan: resilience/replay.ts) or when the
 *          call is adopted (a reservation). Every other call attempt follows its authorise,
 *          which writes the reservation and the CDR together, so "no CDR" means exactly "an
 *          outage call not yet written back", never a finished normal call. (Counting such an
 *          attempt for a fixed time instead, e.g. 2 h, would free the channel of a call still
 *          up, or hold one of a call long over.)
 * Results: { ok: true, attemptId } | { ok: false } (trunk at its limit, or gone/disabled).
 *
 * closeAttempt: the outcome of the attempt (ANSWERED, BUSY, CONGESTION, …, ABANDONED), its
 * causes and end; only once (a row whose outcome is set is left alone).
 */
import type { AttemptOutcome, ClaimRequest, ClaimResult } from '../../session/routing-ports.js';
import { dialectOf, type Db } from '../db.js';
import { toDbTime } from '../time.js';

export async function claimTrunk(db: Db, req: ClaimRequest): Promise<ClaimResult> {
  return db.tx(async (trx) => {
    const q = trx('asttrunk').where({ id: req.trunkId, enabled: 1 }).first('max_channels');
    const row = (await (dialectOf(trx) === 'mysql' ? q.forUpdate() : q)) as
      { max_channels: number | string | null } | undefined;
    if (!row) return { ok: false } as const;
    if (row.max_channels !== null) {
      const busy = (await trx('astcallattempt as a')
        .leftJoin('astcreditres as r', 'r.uniqueid', 'a.uniqueid')
        .leftJoin('astcdr as c', 'c.uniqueid', 'a.uniqueid')
        .where('a.trunk_id', req.trunkId)
        .andWhere((w) => w.whereNull('a.outcome').orWhere('a.outcome', 'ANSWERED'))
        .andWhere((w) => w.whereNotNull('r.uniqueid').orWhereNull('c.uniqueid'))
        .count({ n: '*' })
        .first()) as { n: number | string };
      if (Number(busy.n) >= Number(row.max_channels)) return { ok: false } as const;
    }
    const [id] = (await trx('astcallattempt').insert(
      {
        uniqueid: req.uniqueid,
        trunk_id: req.trunkId,
        trunk: req.trunk,
        channel: req.channel,
        node: req.node,
        prefix: req.buy.prefix,
        rate_per_min: req.buy.ratePerMin,
        connect_fee: req.buy.connectFee,
        initial_secs: req.buy.initialSecs,
        increment_secs: req.buy.incrementSecs,
        min_secs: req.buy.minSecs,
        start: toDbTime(req.start),
      },
      ['id'],
    )) as Array<number | { id: number | string }>;
    const attemptId = typeof id === 'object' ? Number(id.id) : Number(id);
    return { ok: true, attemptId } as const;
  });
}

export async function closeAttempt(db: Db, attemptId: number, o: AttemptOutcome): Promise<void> {
  await db
    .knex('astcallattempt')
    .where({ id: attemptId })
    .whereNull('outcome')
    .update({
      outcome: o.outcome.slice(0, 16),
      cause: o.cause,
      tech_cause: o.techCause,
      end: toDbTime(o.end),
    });
}

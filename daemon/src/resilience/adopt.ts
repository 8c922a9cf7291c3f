/**
 * adoptOutageCall: an outage call (allowed while the database failed, its reservation only in
 * the journal) that is still up when the database is back becomes a normal call, in ONE
 * transaction, so it is settled through the store's one settlement path (store/tx/settle.ts):
 * its trunk, buy cost, band split, caps and unseen-end rules are then the normal call's.
 *
 * Inputs:  the outage grant and the answer time the daemon saw (null: not answered yet).
 * Locks:   the astaccount row (MySQL `SELECT … FOR UPDATE`; SQLite BEGIN IMMEDIATE).
 * Writes:  only when no CDR with this uniqueid exists:
 *            astcreditres: the grant's reservation (max_cost, max_seconds, node, answer);
 *            astcdr: phase 1, open (rate snapshot, granted max), its answer time;
 *            astaccount: reserved += max_cost (the call is up: held even when the balance
 *                    has fallen since; settle charges only what it talked).
 *          When the CDR there is open (a timed-out authorise committed after all, or this adopt
 *          committed after its deadline), the database holds the call already: only the answer
 *          is written (if not there yet).
 * Results: { outcome: 'adopted' } | { outcome: 'held', maxSeconds } (already held open: the
 *          call must end within maxSeconds, the shorter of the two grants, and is billed by
 *          the reservation there) | { outcome: 'exists' } (a settled CDR: the call's end was
 *          written back first, or the late authorise refused it; nothing written).
 * Throws:  StoreError NOT_FOUND when the account is gone.
 *
 * Racing with the journal: the caller retires the grant's records only after this commits,
 * and a settle that came first journals an outage-call whose replay finds this CDR ('exists'
 * in late-charge.ts) and settles it through store.settle: one charge either way.
 */
import { lockAccount, writeAccountMoney } from '../store/accounts.js';
import { cdrByUniqueid, markCdrAnswered } from '../store/cdrs.js';
import type { Db } from '../store/db.js';
import { StoreError } from '../store/errors.js';
import { holdCall } from '../store/hold-call.js';
import { markReservationAnswered } from '../store/reservations.js';
import { withDeadline } from './deadline.js';
import type { Journal } from './journal.js';
import type { JournalRecord, OutageGrant } from './records.js';

export type AdoptResult =
  { outcome: 'adopted' } | { outcome: 'held'; maxSeconds: number } | { outcome: 'exists' };

export type Adopt = (grant: OutageGrant, answer: Date | null) => Promise<AdoptResult>;

export function knexAdopt(db: Db): Adopt {
  return (grant, answer) =>
    db.tx(async (trx): Promise<AdoptResult> => {
      const { req, maxSeconds, maxCost } = grant;
      const account = await lockAccount(trx, req.accountId);
      if (!account)
        throw new StoreError(
          'NOT_FOUND',
          `no account with id ${req.accountId} for the outage call ${req.uniqueid}`,
        );
      // Read after the account lock: a settle or late charge of this call takes it first too.
      const there = await cdrByUniqueid(trx, req.uniqueid);
      if (there?.status === 'open') {
        if (answer) {
          await markCdrAnswered(trx, req.uniqueid, answer);
          await markReservationAnswered(trx, req.uniqueid, answer);
        }
        return {
          outcome: 'held',
          maxSeconds: Math.min(there.maxSeconds ?? maxSeconds, maxSeconds),
        };
      }
      if (there) return { outcome: 'exists' };
      await holdCall(trx, {
        ...req,
        accountId: account.id,
        account: account.name,
        maxSeconds,
        maxCost,
      });
      if (answer) {
        await markCdrAnswered(trx, req.uniqueid, answer);
        await markReservationAnswered(trx, req.uniqueid, answer);
      }
      await writeAccountMoney(
        trx,
        account.id,
        { balance: account.balance, reserved: account.reserved + maxCost },
        new Date(),
      );
      return { outcome: 'adopted' };
    });
}

export interface AdoptLiveDeps {
  journal: Journal;
  adopt: Adopt;
  /** This process's outage calls still up (OutagePolicy.calls). */
  live: Map<string, OutageGrant>;
  /**
   * Called once a call is the database's: its settle then goes to the store. `grant` is what
   * the database holds (its seconds may be fewer than the outage grant's).
   */
  adopted(uniqueid: string, grant: OutageGrant): void;
  /** The database holds the call with a shorter grant: the live call must end by it. */
  limitTo?(uniqueid: string, maxSeconds: number): void;
  deadlineMs: number;
}

/**
 * Adopts every outage call still up, oldest first; a failure ends the pass (the database failing
 * again), to be retried on the next. Returns the uniqueids adopted.
 */
export async function adoptLive(deps: AdoptLiveDeps): Promise<string[]> {
  const done: string[] = [];
  for (const [uniqueid, grant] of [...deps.live]) {
    const records = deps.journal.pendingFor(uniqueid, ['outage-grant', 'answer']);
    const answer =
      records.find((r): r is Extract<JournalRecord, { kind: 'answer' }> => r.kind === 'answer')
        ?.answer ?? null;
    const res = await withDeadline(deps.adopt(grant, answer), deps.deadlineMs, 'adopt');
    // 'exists': a settled CDR is there (a late refusal, or the end written back); the call stays
    // an outage call and its journaled end settles it (late-charge.ts).
    if (res.outcome === 'exists') continue;
    // A settle that came while the transaction ran journaled the call's end: its replay settles
    // the adopted CDR and retires these records with it.
    if (deps.live.get(uniqueid) !== grant) continue;
    const held = res.outcome === 'held' ? res.maxSeconds : grant.maxSeconds;
    // A timed-out authorise that committed a shorter grant: the call may talk only that long
    // (its reservation pays no more).
    if (held < grant.maxSeconds) deps.limitTo?.(uniqueid, held);
    deps.adopted(uniqueid, { ...grant, maxSeconds: held });
    await deps.journal.markDone(records.map((r) => r.id));
    done.push(uniqueid);
  }
  return done;
}

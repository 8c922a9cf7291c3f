/**
 * One replay pass over the journal, oldest record first, each through an idempotent store
 * operation and marked done (synced) right after it succeeded:
 *
 *   settle        store.settle (a second settle of a uniqueid changes nothing)
 *   refusal       store.recordRefusal (idempotent per uniqueid)
 *   answer        store.markAnswered (only updates an open CDR without an answer time)
 *   outage-call   lateCharge; when the CDR exists already, store.settle instead
 *   outage-grant  done with its outage-call; an orphan (its daemon ended before the call did)
 *                 is charged once its call cannot be up any more: answered → by the unseen-end
 *                 rule (session/unseen-end.ts: what can be proven, never the whole grant on a
 *                 guess), never answered → a FAILED CDR at no cost
 *
 * A record the store refuses as bad input (e.g. its account was deleted) stays pending and is
 * reported; any other error (database still down, deadline) ends the pass, to be retried.
 */
import type { Logger } from '../log.js';
import type { BillingStore, SettleRequest } from '../session/ports.js';
import { channelsOf, describeEnd, unseenEnd, type UnseenEnds } from '../session/unseen-end.js';
import { isInputError } from '../store/errors.js';
import { withDeadline } from './deadline.js';
import type { Journal } from './journal.js';
import type { LateCharge } from './late-charge.js';
import type { JournalKind, JournalRecord } from './records.js';
import { errorText } from '../error-text.js';

export const JOURNAL_NOTE = 'settled from the journal (db outage)';
export const ORPHAN_NOTE = 'db-outage call whose daemon stopped; end unknown';
/** How long after its grant could have ended an orphaned outage call is charged. */
export const ORPHAN_MARGIN_MS = 120_000;

export interface ReplayDeps {
  journal: Journal;
  /** The database store itself (never the resilient wrapper). */
  store: BillingStore;
  /** Writes outage calls; without it they stay pending. */
  lateCharge?: LateCharge | undefined;
  deadlineMs: number;
  /** Outage calls still up in this process: their grants are not replayed yet. */
  isLive?: (uniqueid: string) => boolean;
  /** Asterisk's time as the daemon knows it (answer times are on it). */
  now?: () => Date;
  /** The daemon's rule for an end nobody saw; without it, the default (last-up, no Asterisk CDR). */
  unseen?: Pick<UnseenEnds, 'decide'> | undefined;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'> | undefined;
}

export interface ReplayedItem {
  id: string;
  kind: JournalKind;
  uniqueid: string;
  /** 'written' | 'already there' | 'charged' | … */
  outcome: string;
}

export interface ReplayReport {
  replayed: ReplayedItem[];
  /** Records the store refused as bad input (kept pending). */
  failed: Array<{ id: string; kind: JournalKind; uniqueid: string; error: string }>;
  /** Why the pass stopped early (the database still fails), if it did. */
  stoppedBy: string | null;
  remaining: number;
}

function withNote(s: SettleRequest, note: string): SettleRequest {
  return { ...s, note: s.note ? `${s.note}; ${note}` : note };
}

export async function replayJournal(deps: ReplayDeps): Promise<ReplayReport> {
  const { journal, store, deadlineMs } = deps;
  const now = deps.now ?? (() => new Date());
  const bounded = <T>(p: Promise<T>, what: string) => withDeadline(p, deadlineMs, what);
  const report: ReplayReport = { replayed: [], failed: [], stoppedBy: null, remaining: 0 };
  const done = new Set<string>();

  const finish = async (r: JournalRecord, outcome: string, also: readonly JournalRecord[] = []) => {
    const ids = [r.id, ...also.map((a) => a.id)];
    await journal.markDone(ids);
    for (const id of ids) done.add(id);
    report.replayed.push({ id: r.id, kind: r.kind, uniqueid: r.uniqueid, outcome });
  };

  for (const r of journal.pending()) {
    if (done.has(r.id)) continue;
    try {
      switch (r.kind) {
        case 'settle': {
          const res = await bounded(store.settle(withNote(r.settle, JOURNAL_NOTE)), 'settle');
          await finish(r, res.settled ? `settled, cost ${res.cost}` : 'already settled');
          break;
        }
        case 'refusal':
          await bounded(store.recordRefusal(r.refusal), 'recordRefusal');
          await finish(r, 'refusal CDR written');
          break;
        case 'answer': {
          if (journal.pendingFor(r.uniqueid, ['outage-grant', 'outage-call']).length > 0) break; // goes with its outage call
          await bounded(store.markAnswered(r.uniqueid, r.answer), 'markAnswered');
          await finish(r, 'answer time written');
          break;
        }
        case 'outage-call': {
          if (!deps.lateCharge)
            throw new Error('no late-charge writer: outage calls cannot be replayed by this store');
          const related = journal.pendingFor(r.uniqueid, ['outage-grant', 'answer']);
          const res = await bounded(
            deps.lateCharge({ grant: r.grant, settle: r.settle }),
            'late charge',
          );
          if (res.outcome === 'charged') {
            await finish(r, `charged ${res.cost} for ${res.billsec} s`, related);
          } else {
            const s = await bounded(store.settle(withNote(r.settle, 'db-outage')), 'settle');
            await finish(r, s.settled ? `settled, cost ${s.cost}` : 'already settled', related);
          }
          break;
        }
        case 'outage-grant': {
          if (journal.pendingFor(r.uniqueid, ['outage-call']).length > 0) break;
          if (deps.isLive?.(r.uniqueid)) break;
          if (!deps.lateCharge)
            throw new Error('no late-charge writer: outage calls cannot be replayed by this store');
          const answers = journal.pendingFor(r.uniqueid, ['answer']);
          const answer =
            answers.find(
              (a): a is Extract<JournalRecord, { kind: 'answer' }> => a.kind === 'answer',
            )?.answer ?? null;
          const from = answer ?? r.grant.req.start;
          const end = new Date(from.getTime() + r.grant.maxSeconds * 1000);
          const goneAt = now();
          if (goneAt.getTime() < end.getTime() + ORPHAN_MARGIN_MS) break; // the call may still be up
          let settle: SettleRequest;
          if (answer) {
            // No checkpoint of it was journaled: confirmed up only at its answer.
            const ev = { answer, lastUp: null, goneAt, maxSeconds: r.grant.maxSeconds };
            const e = deps.unseen
              ? await deps.unseen.decide({ ...ev, channelIds: channelsOf(r.uniqueid) })
              : unseenEnd('last-up', { ...ev, asteriskEnd: null });
            settle = {
              uniqueid: r.uniqueid,
              disposition: 'ANSWERED',
              hangupCause: null,
              answer,
              end: e.end,
              billsec: e.billsec,
              note: `${ORPHAN_NOTE}; ${describeEnd(e)}`,
              endSource: e.source,
            };
          } else
            settle = {
              uniqueid: r.uniqueid,
              disposition: 'FAILED',
              hangupCause: null,
              answer: null,
              end,
              billsec: 0,
              note: ORPHAN_NOTE,
            };
          deps.logger?.warn(
            'journal: charging an outage call whose daemon stopped before it ended',
            { uniqueid: r.uniqueid, answered: answer !== null, billsec: settle.billsec },
          );
          const res = await bounded(deps.lateCharge({ grant: r.grant, settle }), 'late charge');
          if (res.outcome === 'exists')
            await bounded(store.settle(withNote(settle, 'db-outage')), 'settle');
          await finish(
            r,
            res.outcome === 'charged'
              ? `orphan charged ${res.cost} for ${res.billsec} s`
              : 'orphan settled',
            answers,
          );
          break;
        }
      }
    } catch (err) {
      if (
        isInputError(err) ||
        (err instanceof Error && err.message.startsWith('no late-charge writer'))
      ) {
        report.failed.push({ id: r.id, kind: r.kind, uniqueid: r.uniqueid, error: errorText(err) });
        deps.logger?.error('journal: record cannot be replayed; it stays pending', {
          id: r.id,
          kind: r.kind,
          uniqueid: r.uniqueid,
          error: errorText(err),
        });
        continue;
      }
      report.stoppedBy = errorText(err);
      break;
    }
  }
  if (report.replayed.length > 0) await journal.compact();
  report.remaining = journal.size;
  return report;
}

/**
 * `astbill journal [--json]`: what waits in the local journal for the database (settlements,
 * refusal CDRs, calls allowed during an outage) and any unreadable lines found in it.
 * `astbill journal replay [--json]`: writes the waiting records now (the daemon does it by
 * itself every ASTBILL_JOURNAL_REPLAY_SECONDS; this is for a stopped daemon). Exit 1 when
 * something could not be replayed.
 */
import { formatMoney } from '../../rating/index.js';
import { loadConfig } from '../../config.js';
import { Journal } from '../../resilience/journal.js';
import { knexLateCharge } from '../../resilience/late-charge.js';
import type { JournalRecord } from '../../resilience/records.js';
import { replayJournal } from '../../resilience/replay.js';
import { parse } from '../args.js';
import { UsageError } from '../command.js';
import { json, out, showTime, table } from '../format.js';
import { withStore } from '../open-store.js';

export const summary =
  'settlements waiting for the database (journal); `journal replay` writes them now';

export const usage = `usage:
  astbill journal [--json]          what waits in the local journal (ASTBILL_JOURNAL_DIR)
  astbill journal replay [--json]   write the waiting records now (exit 1 if some could not be)`;

function detail(r: JournalRecord): string {
  switch (r.kind) {
    case 'settle':
      return `${r.settle.disposition} ${r.settle.billsec}s${r.settle.note ? ` (${r.settle.note})` : ''}`;
    case 'refusal':
      return `${r.refusal.reason} ${r.refusal.src} -> ${r.refusal.dst}`;
    case 'answer':
      return `answered ${showTime(r.answer)}`;
    case 'outage-grant':
      return `account #${r.grant.req.accountId} -> ${r.grant.req.dst}, max ${r.grant.maxSeconds}s (call up or not yet ended)`;
    case 'outage-call':
      return `account #${r.grant.req.accountId} -> ${r.grant.req.dst}, ${r.settle.disposition} ${r.settle.billsec}s of max ${r.grant.maxSeconds}s`;
  }
}

/** The record as JSON: money as exact decimal strings, times ISO. */
function recordJson(r: JournalRecord): Record<string, unknown> {
  const base = { id: r.id, kind: r.kind, uniqueid: r.uniqueid, journaled: r.at.toISOString() };
  switch (r.kind) {
    case 'settle':
      return {
        ...base,
        disposition: r.settle.disposition,
        billsec: r.settle.billsec,
        answer: r.settle.answer?.toISOString() ?? null,
        end: r.settle.end.toISOString(),
        note: r.settle.note ?? null,
      };
    case 'refusal':
      return {
        ...base,
        reason: r.refusal.reason,
        accountId: r.refusal.accountId,
        src: r.refusal.src,
        dst: r.refusal.dst,
        start: r.refusal.start.toISOString(),
      };
    case 'answer':
      return { ...base, answer: r.answer.toISOString() };
    case 'outage-grant':
    case 'outage-call':
      return {
        ...base,
        accountId: r.grant.req.accountId,
        dst: r.grant.req.dst,
        maxSeconds: r.grant.maxSeconds,
        maxCost: formatMoney(r.grant.maxCost),
        ...(r.kind === 'outage-call'
          ? {
              disposition: r.settle.disposition,
              billsec: r.settle.billsec,
              end: r.settle.end.toISOString(),
            }
          : {}),
      };
  }
}

async function show(dir: string, asJson: boolean): Promise<number> {
  const snap = await Journal.read(dir);
  if (asJson) {
    out(
      json({
        dir,
        pending: snap.pending.map(recordJson),
        done: snap.done,
        problems: snap.problems,
        rejected: snap.rejected,
      }),
    );
    return 0;
  }
  if (snap.pending.length > 0) {
    out(
      table(
        ['ID', 'KIND', 'UNIQUEID', 'JOURNALED', 'DETAIL'],
        snap.pending.map((r) => [r.id.slice(0, 8), r.kind, r.uniqueid, showTime(r.at), detail(r)]),
      ),
    );
  }
  out(`${snap.pending.length} record(s) waiting for the database in ${dir}\n`);
  for (const p of snap.problems) out(`unreadable: ${p.file} line ${p.line}: ${p.problem}\n`);
  if (snap.rejected > 0)
    out(`${snap.rejected} unreadable line(s) set aside earlier in ${dir}/rejected.jsonl\n`);
  return 0;
}

async function replay(dir: string, deadlineMs: number, asJson: boolean): Promise<number> {
  const journal = await Journal.open(dir);
  try {
    for (const p of journal.problems) out(`set aside: ${p.file} line ${p.line}: ${p.problem}\n`);
    if (journal.size === 0) {
      out(
        asJson
          ? json({ replayed: [], failed: [], stoppedBy: null, remaining: 0 })
          : 'nothing to replay\n',
      );
      return 0;
    }
    const rep = await withStore((store, db) =>
      replayJournal({ journal, store, lateCharge: knexLateCharge(db), deadlineMs }),
    );
    if (asJson) out(json(rep));
    else {
      for (const i of rep.replayed) out(`replayed ${i.kind} ${i.uniqueid}: ${i.outcome}\n`);
      for (const f of rep.failed) out(`NOT replayed ${f.kind} ${f.uniqueid}: ${f.error}\n`);
      if (rep.stoppedBy) out(`stopped: ${rep.stoppedBy}\n`);
      out(`${rep.replayed.length} replayed, ${rep.remaining} still waiting\n`);
    }
    return rep.remaining === 0 ? 0 : 1;
  } finally {
    await journal.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('journal', argv, { json: { type: 'boolean' } });
  const [sub, extra] = positionals;
  if (extra !== undefined) throw new UsageError(`journal: unexpected argument '${extra}'`);
  const cfg = loadConfig().resilience;
  if (sub === undefined) return show(cfg.journalDir, values.json === true);
  if (sub === 'replay') return replay(cfg.journalDir, cfg.deadlineMs, values.json === true);
  throw new UsageError(
    `journal: unknown subcommand '${sub}' (try 'astbill journal' or 'astbill journal replay')`,
  );
}

/**
 * The node's answer marks, written in batches: every call answered within one window
 * (ASTBILL_ANSWER_BATCH_MS, default 200; 0 writes each mark at once) is recorded by ONE statement
 * (tx/mark-answered.ts markAnsweredMany) instead of one round trip per call. Each caller's promise
 * settles when its batch is written, so a failed batch fails every mark in it (the resilient store
 * then journals each one).
 *
 * What a crash can lose: the marks of calls answered in the last window before the process died
 * (at most `windowMs`). Such a call is recovered like one whose answer was never recorded
 * (session/reconcile-call.ts): still up, it is adopted with its answer taken as the moment
 * reconciliation found it talking (the earliest proven instant: the caller is never charged for
 * talk before it, the operator loses at most the window plus the downtime); gone, it is billed
 * by the unseen-end rule from what can be proven (Asterisk's CDR when there is one, else
 * nothing). A checkpoint is written only after the answer mark (the checkpointer starts at the
 * answer and ticks every second), so no checkpoint ever refers to an answer that was lost.
 */
import type { Db } from './db.js';
import { markAnsweredMany, type AnswerMark } from './tx/mark-answered.js';

interface Waiting extends AnswerMark {
  done: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
}

export class AnswerBatch {
  private queued = new Map<string, Waiting>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly windowMs: number,
  ) {}

  /**
   * Records `answer` for `uniqueid` with the next batch; resolves once it is written. `now`
   * writes it at once instead: for calls whose recovery cannot take the answer from Asterisk
   * (a callback's legs, resumed from their recorded answers).
   */
  mark(uniqueid: string, answer: Date, now = false): Promise<void> {
    if (this.windowMs <= 0 || now) return markAnsweredMany(this.db, [{ uniqueid, answer }]);
    return new Promise((resolve, reject) => {
      const known = this.queued.get(uniqueid);
      // The first answer time stays, as in the database.
      if (known) known.done.push({ resolve, reject });
      else this.queued.set(uniqueid, { uniqueid, answer, done: [{ resolve, reject }] });
      this.timer ??= setTimeout(() => void this.flush(), this.windowMs);
    });
  }

  /** Writes what is queued now (the timer's job; also on close). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = [...this.queued.values()];
    this.queued = new Map();
    if (batch.length === 0) return;
    try {
      await markAnsweredMany(this.db, batch);
      for (const w of batch) for (const d of w.done) d.resolve();
    } catch (err) {
      for (const w of batch) for (const d of w.done) d.reject(err);
    }
  }

  get pending(): number {
    return this.queued.size;
  }
}

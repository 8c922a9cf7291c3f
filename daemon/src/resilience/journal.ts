/**
 * The durable local journal: what the database could not take (settlements, refusal CDRs,
 * calls allowed during an outage) waits here until it can be replayed.
 *
 * Files in the journal directory:
 *   journal.jsonl   the records, append-only, one JSON line each (format: ./records.ts);
 *   done.jsonl      append-only `{"done":"<record id>"}` lines: replayed records;
 *   rejected.jsonl  copies of lines that could not be read (torn last line after a crash,
 *                   damage), kept for the operator;
 *   journal.lock    the pid of the process that owns the journal (one writer at a time).
 *
 * Durability: `append` resolves only after the line is written and fdatasync'd; appends that
 * arrive while a sync is running are written together by the next one (group commit).
 * `markDone` is synced the same way. A crash between a replay and its done mark replays that
 * record once more, which is safe because every replay is idempotent per uniqueid in the store
 * (a settled CDR is never settled again): at-least-once replay, exactly-once effect.
 *
 * Compaction rewrites journal.jsonl with the pending records only (temp file, fsync, rename,
 * fsync of the directory) and then empties done.jsonl; a crash at any point leaves either the
 * old or the new journal, and done marks of records no longer present are ignored.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { toLine, type JournalEntry, type JournalKind, type JournalRecord } from './records.js';
import {
  countLines,
  FILES,
  parseDir,
  readText,
  rewrite,
  syncDir,
  takeLock,
  type JournalProblem,
} from './journal-files.js';

export { JournalLockedError, type JournalProblem } from './journal-files.js';

export interface JournalSnapshot {
  dir: string;
  pending: JournalRecord[];
  /** Records already replayed but not yet compacted away. */
  done: number;
  problems: JournalProblem[];
  /** Lines copied to rejected.jsonl over the journal's life. */
  rejected: number;
}

export interface JournalLogger {
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

interface QueuedAppend {
  records: JournalRecord[];
  resolve(records: JournalRecord[]): void;
  reject(err: unknown): void;
}

export class Journal {
  private chain: Promise<unknown> = Promise.resolve();
  private queue: QueuedAppend[] = [];
  private flushQueued = false;
  private writing = 0;
  private closed = false;
  private doneCount: number;

  private constructor(
    readonly dir: string,
    private journalFh: FileHandle,
    private doneFh: FileHandle,
    private readonly records: Map<string, JournalRecord>,
    doneCount: number,
    /** What was wrong with the files when the journal was opened (already repaired). */
    readonly problems: readonly JournalProblem[],
  ) {
    this.doneCount = doneCount;
  }

  /**
   * Opens (creating it if needed) the journal in `dir` for writing: takes the lock, reads the
   * pending records, moves unreadable lines to rejected.jsonl and rewrites the journal without
   * them (a torn last line included), and reports each problem through `problems` and `logger`.
   */
  static async open(dir: string, opts: { logger?: JournalLogger } = {}): Promise<Journal> {
    await mkdir(dir, { recursive: true });
    await takeLock(dir);
    await rm(join(dir, FILES.tmp), { force: true });
    const parsed = await parseDir(dir);
    for (const p of parsed.problems)
      opts.logger?.warn('journal: unreadable line set aside', { ...p, dir });
    const journalProblems = parsed.problems.filter((p) => p.file === FILES.journal);
    if (journalProblems.length > 0) {
      const lines = journalProblems
        .map((p) => JSON.stringify({ at: new Date().toISOString(), ...p }) + '\n')
        .join('');
      const fh = await open(join(dir, FILES.rejected), 'a');
      try {
        await fh.writeFile(lines);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    const pending = new Map([...parsed.records].filter(([id]) => !parsed.doneIds.has(id)));
    if (parsed.damaged || parsed.doneTorn) {
      await rewrite(dir, [...pending.values()]);
      await writeFile(join(dir, FILES.done), '');
    }
    const journalFh = await open(join(dir, FILES.journal), 'a');
    const doneFh = await open(join(dir, FILES.done), 'a');
    await syncDir(dir);
    const doneCount = parsed.damaged || parsed.doneTorn ? 0 : parsed.records.size - pending.size;
    return new Journal(dir, journalFh, doneFh, pending, doneCount, parsed.problems);
  }

  /** Reads the journal without taking it over or repairing anything (for `astbill journal`). */
  static async read(dir: string): Promise<JournalSnapshot> {
    const parsed = await parseDir(dir);
    const pending = [...parsed.records.values()].filter((r) => !parsed.doneIds.has(r.id));
    return {
      dir,
      pending,
      done: parsed.records.size - pending.length,
      problems: parsed.problems,
      rejected: countLines(await readText(join(dir, FILES.rejected))),
    };
  }

  /** Records not yet replayed, oldest first. */
  pending(): JournalRecord[] {
    return [...this.records.values()];
  }

  get size(): number {
    return this.records.size;
  }

  /** File work queued or under way (the chaos simulation waits for it before time moves on). */
  get writesInFlight(): number {
    return this.writing;
  }

  /** Pending records of one call attempt (optionally of some kinds only). */
  pendingFor(uniqueid: string, kinds?: readonly JournalKind[]): JournalRecord[] {
    return this.pending().filter(
      (r) => r.uniqueid === uniqueid && (!kinds || kinds.includes(r.kind)),
    );
  }

  /** Writes the entries durably (one fdatasync for all, shared with concurrent appends). */
  append(...entries: JournalEntry[]): Promise<JournalRecord[]> {
    if (this.closed) return Promise.reject(new Error('the journal is closed'));
    const at = new Date();
    const records = entries.map((e) => ({ ...e, id: randomUUID(), at }) as JournalRecord);
    return new Promise<JournalRecord[]>((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      if (!this.flushQueued) {
        this.flushQueued = true;
        void this.exclusive(() => this.flush());
      }
    });
  }

  /** Marks records replayed (synced before it resolves). */
  async markDone(ids: readonly string[]): Promise<void> {
    const known = ids.filter((id) => this.records.has(id));
    if (known.length === 0) return;
    await this.exclusive(async () => {
      const at = new Date().toISOString();
      await this.doneFh.write(known.map((id) => JSON.stringify({ done: id, at }) + '\n').join(''));
      await this.doneFh.datasync();
      for (const id of known) this.records.delete(id);
      this.doneCount += known.length;
    });
  }

  /** Rewrites the journal with the pending records only and empties the done file. */
  async compact(): Promise<void> {
    await this.exclusive(async () => {
      if (this.doneCount === 0) return;
      await this.journalFh.close();
      await this.doneFh.close();
      await rewrite(this.dir, this.pending());
      await writeFile(join(this.dir, FILES.done), '');
      this.journalFh = await open(join(this.dir, FILES.journal), 'a');
      this.doneFh = await open(join(this.dir, FILES.done), 'a');
      await syncDir(this.dir);
      this.doneCount = 0;
    });
  }

  /**
   * Closes the files as a killed process's end does: writes in progress finish, nothing more is
   * written and the lock stays (the next run reclaims it from the dead pid).
   */
  async release(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.exclusive(async () => {
      await this.journalFh.close();
      await this.doneFh.close();
    });
  }

  /** Waits for writes in progress, closes the files and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.release();
    const lock = join(this.dir, FILES.lock);
    if ((await readText(lock)).trim() === String(process.pid)) await rm(lock, { force: true });
  }

  private async flush(): Promise<void> {
    this.flushQueued = false;
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    try {
      await this.journalFh.write(batch.flatMap((b) => b.records.map(toLine)).join(''));
      await this.journalFh.datasync();
    } catch (err) {
      for (const b of batch) b.reject(err);
      return;
    }
    for (const b of batch) {
      for (const r of b.records) this.records.set(r.id, r);
      b.resolve(b.records);
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.writing += 1;
    const p = this.chain.then(fn).finally(() => {
      this.writing -= 1;
    });
    this.chain = p.catch(() => undefined);
    return p;
  }
}

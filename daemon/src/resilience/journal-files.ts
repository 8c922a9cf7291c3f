/**
 * The journal directory's files (journal.ts describes them and their durability rules): reading
 * and checking them, the crash-safe rewrite, and the one-writer lock. journal.ts holds the open
 * journal (group commit, done marks, compaction) on top of these.
 */
import { constants as fsConstants } from 'node:fs';
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromLine, toLine, type JournalRecord } from './records.js';
import { errorText } from '../error-text.js';

export interface JournalProblem {
  file: string;
  /** 1-based line number in that file. */
  line: number;
  problem: string;
  /** The line as found (at most 200 characters). */
  text: string;
}

export class JournalLockedError extends Error {
  override name = 'JournalLockedError';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `the journal in ${dir} is in use by process ${pid} (a running daemon replays it by itself)`,
    );
  }
}

export const FILES = {
  journal: 'journal.jsonl',
  done: 'done.jsonl',
  rejected: 'rejected.jsonl',
  lock: 'journal.lock',
  tmp: 'journal.jsonl.tmp',
} as const;

export interface Parsed {
  records: Map<string, JournalRecord>;
  doneIds: Set<string>;
  problems: JournalProblem[];
  /** Whether journal.jsonl needs rewriting (bad lines, torn tail). */
  damaged: boolean;
  /** Whether done.jsonl ends in a torn line. */
  doneTorn: boolean;
}

export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

export async function parseDir(dir: string): Promise<Parsed> {
  const problems: JournalProblem[] = [];
  const records = new Map<string, JournalRecord>();
  let damaged = false;
  const text = await readText(join(dir, FILES.journal));
  const lines = text.split('\n');
  const tail = lines.pop() ?? '';
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const r = fromLine(line);
      records.set(r.id, r);
    } catch (err) {
      damaged = true;
      problems.push({
        file: FILES.journal,
        line: i + 1,
        problem: errorText(err),
        text: clip(line),
      });
    }
  });
  if (tail !== '') {
    damaged = true;
    problems.push({
      file: FILES.journal,
      line: lines.length + 1,
      problem: 'torn last line (incomplete write, e.g. a crash during an append)',
      text: clip(tail),
    });
  }

  const doneIds = new Set<string>();
  const doneText = await readText(join(dir, FILES.done));
  const doneLines = doneText.split('\n');
  const doneTail = doneLines.pop() ?? '';
  doneLines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const o = JSON.parse(line) as { done?: unknown };
      if (typeof o.done !== 'string') throw new Error('no record id');
      doneIds.add(o.done);
    } catch (err) {
      problems.push({
        file: FILES.done,
        line: i + 1,
        problem: `unreadable done mark (${errorText(err)}); that record may be replayed again`,
        text: clip(line),
      });
    }
  });
  if (doneTail !== '') {
    problems.push({
      file: FILES.done,
      line: doneLines.length + 1,
      problem: 'torn last done mark; that record may be replayed again (harmless)',
      text: clip(doneTail),
    });
  }
  return { records, doneIds, problems, damaged, doneTorn: doneTail !== '' };
}

export function countLines(text: string): number {
  return text.split('\n').filter((l) => l.trim() !== '').length;
}

export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, fsConstants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function rewrite(dir: string, records: readonly JournalRecord[]): Promise<void> {
  const tmp = join(dir, FILES.tmp);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(records.map(toLine).join(''));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, FILES.journal));
  await syncDir(dir);
}

export async function takeLock(dir: string): Promise<void> {
  const path = join(dir, FILES.lock);
  try {
    await writeFile(path, String(process.pid), { flag: 'wx' });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const holder = Number((await readText(path)).trim());
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && pidAlive(holder))
    throw new JournalLockedError(dir, holder);
  // A stale lock (its process is gone) or our own from an earlier open in this process.
  await writeFile(path, String(process.pid));
}

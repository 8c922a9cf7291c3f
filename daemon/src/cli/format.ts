/** Output helpers: aligned tables for people, JSON (money as exact decimal strings) and CSV for scripts. */
import { formatMoney, type Money } from '../rating/index.js';

/** Money for people: at least 2 decimals, more only when they are not zero. */
export function showMoney(m: Money): string {
  return formatMoney(m, 2);
}

/** Money for scripts: always all 5 decimals, exact. */
export function jsonMoney(m: Money): string {
  return formatMoney(m);
}

export function showTime(d: Date | null): string {
  return d
    ? d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z')
    : '';
}

export function table(headers: string[], rows: Array<Array<string | number | null>>): string {
  const cells = rows.map((r) => r.map((c) => (c === null ? '' : String(c))));
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)),
  );
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

/** CSV for scripts: the project's one writer (formula-safe, see ../csv.ts). */
export { csvRows as csv } from '../csv.js';

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

export function out(text: string): void {
  process.stdout.write(text);
}

/** A note for the operator beside output meant for a pipe (e.g. a CSV on stdout). */
export function err(text: string): void {
  process.stderr.write(text);
}

/** A list command's output: JSON for scripts (`asJson`, each row as `toJson` makes it), else an aligned table for people. */
export function outList<T>(
  rows: readonly T[],
  view: {
    asJson: boolean | undefined;
    toJson: (row: T) => unknown;
    headers: string[];
    toRow: (row: T) => Array<string | number | null>;
  },
): void {
  out(view.asJson ? json(rows.map(view.toJson)) : table(view.headers, rows.map(view.toRow)));
}

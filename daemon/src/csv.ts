/**
 * The one CSV writer and the one CSV reader of astbill (API export, `astbill cdr --csv`, daily
 * reports, `astbill rate import`).
 *
 * Writing: RFC 4180, comma-separated, CRLF line ends, a field quoted when it holds a comma, quote
 * or line break. A text a spreadsheet would run as a formula (CSV injection) gets a leading single
 * quote: one starting with = @ tab or CR, or with + or - followed by anything but a number. Numbers
 * (`-0.05000`, a caller ID `+447700900123`) are written as they are.
 *
 * Reading: csv-parse, comma- or semicolon-separated (quoted fields with commas, quotes and line breaks, as carriers' rate decks
 * have them), a BOM, blank lines and lines starting with # skipped, fields trimmed, and each
 * record with the line it starts on so that errors can name it.
 */
import { parse } from 'csv-parse/sync';

const FORMULA_START = /^[=@\t\r]/;
const SIGNED = /^[+-]/;
const SIGNED_NUMBER = /^[+-]\d+(?:\.\d+)?$/;

/** One field, neutralised against formulas and quoted as needed. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = value instanceof Date ? value.toISOString() : String(value);
  if (FORMULA_START.test(s) || (SIGNED.test(s) && !SIGNED_NUMBER.test(s))) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header line and one line per row (rows as arrays, in the order of `headers`). */
export function csvRows(
  headers: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
): string {
  return [headers, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** A header line and one line per row (rows as records keyed by column). */
export function toCsv<K extends string>(
  columns: readonly K[],
  rows: ReadonlyArray<Record<K, unknown>>,
): string {
  return csvRows(
    columns,
    rows.map((row) => columns.map((c) => row[c])),
  );
}

export interface CsvRecord {
  /** 1-based line number of the record's first line in the file. */
  line: number;
  fields: string[];
}

/** A file that is not CSV (an unterminated quote, text after a closing quote): one line of why. */
export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
}

/** Every record of a CSV text, the header included; throws CsvSyntaxError. `delimiter`: default ','. */
export function readCsv(text: string, opts: { delimiter?: ',' | ';' } = {}): CsvRecord[] {
  let parsed: Array<{ record: string[]; info: { lines: number } }>;
  try {
    parsed = parse(text, {
      delimiter: opts.delimiter ?? ',',
      bom: true,
      comment: '#',
      comment_no_infix: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      info: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (err) {
    throw new CsvSyntaxError(err instanceof Error ? err.message.split('\n')[0]! : String(err));
  }
  // csv-parse reports the line a record ends on; a quoted line break moves its start up.
  return parsed.map(({ record, info }) => ({
    line: info.lines - record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0),
    fields: record,
  }));
}

/**
 * RFC 4180 CSV: comma-separated, CRLF line ends, fields quoted when they hold a comma, quote or
 * line break. A field that starts with = + - @ (or a tab/CR) is prefixed with a single quote so
 * that a spreadsheet does not run it as a formula (CSV injection); money and numbers never start
 * with those characters except a negative amount, which is written as is.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = value instanceof Date ? value.toISOString() : String(value);
  const numeric = /^-?\d+(\.\d+)?$/.test(s);
  if (!numeric && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv<K extends string>(
  columns: readonly K[],
  rows: ReadonlyArray<Record<K, unknown>>,
): string {
  const lines = [columns.join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** Writes a daily report file (CSV or JSON) into a directory, atomically (temp file + rename). */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toCsv } from '../csv.js';
import { REPORT_COLUMNS, reportJson, reportRecords, type DailyReport } from './daily.js';

export type ReportFormat = 'csv' | 'json';

export function renderReport(r: DailyReport, format: ReportFormat): string {
  return format === 'csv'
    ? toCsv(REPORT_COLUMNS, reportRecords(r))
    : JSON.stringify(reportJson(r), null, 2) + '\n';
}

export function reportFileName(date: string, format: ReportFormat): string {
  return `astbill-daily-${date}.${format}`;
}

/** Writes `astbill-daily-<date>.<format>` into `dir` (created if missing); returns its path. */
export async function writeReport(
  dir: string,
  r: DailyReport,
  format: ReportFormat,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, reportFileName(r.date, format));
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, renderReport(r, format), { mode: 0o640 });
  await rename(tmp, path);
  return path;
}

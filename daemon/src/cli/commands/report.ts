/**
 * `astbill report daily [--date YYYY-MM-DD] [--csv|--json] [--out DIR]`: calls, minutes and
 * revenue per account and per destination prefix for one UTC day (default: yesterday).
 * Without --out the report goes to stdout (a table, or CSV/JSON); with --out it is written to
 * DIR/astbill-daily-<date>.<csv|json> (CSV unless --json) and the path is printed.
 */
import { parseArgs } from 'node:util';
import { dailyReport, reportText, utcDay, yesterday } from '../../reports/daily.js';
import { renderReport, writeReport, type ReportFormat } from '../../reports/write.js';
import { UsageError } from '../command.js';
import { withStore } from '../open-store.js';

export const summary = 'daily report: calls, minutes and revenue per account and prefix (CSV/JSON)';

export const usage = `usage: astbill report daily [--date YYYY-MM-DD] [--csv | --json] [--out DIR]
  --date   the UTC day to report (default: yesterday)
  --csv    CSV (columns: date,group,key,currency,calls,answered,refused,billsec,minutes,revenue)
  --json   JSON
  --out    write DIR/astbill-daily-<date>.csv (or .json) instead of printing
The database is ASTBILL_DB (as for every command).
`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  const [kind, ...rest] = argv;
  if (kind !== 'daily')
    throw new UsageError(
      kind
        ? `unknown report '${kind}' (try 'astbill report --help')`
        : "which report? 'astbill report daily --date YYYY-MM-DD'",
    );
  let values: { date?: string; csv?: boolean; json?: boolean; out?: string };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        date: { type: 'string' },
        csv: { type: 'boolean' },
        json: { type: 'boolean' },
        out: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (try 'astbill report --help')`);
  }
  if (values.csv && values.json) throw new UsageError('--csv and --json exclude each other');
  const date = values.date ?? yesterday();
  try {
    utcDay(date);
  } catch {
    throw new UsageError(`--date must be a date YYYY-MM-DD, got '${date}'`);
  }
  if (values.out !== undefined && values.out.trim() === '')
    throw new UsageError('--out needs a directory');

  return withStore(async (_store, db) => {
    const report = await dailyReport(db.knex, date);
    if (values.out !== undefined) {
      const format: ReportFormat = values.json ? 'json' : 'csv';
      const path = await writeReport(values.out, report, format);
      process.stdout.write(`${path}\n`);
    } else if (values.csv || values.json) {
      process.stdout.write(renderReport(report, values.json ? 'json' : 'csv'));
    } else {
      process.stdout.write(reportText(report));
    }
    return 0;
  });
}

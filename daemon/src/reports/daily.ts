/**
 * The daily report: for one UTC day, call attempts, answered calls, refusals, billed seconds,
 * minutes and revenue, per account and per destination prefix (the tariff prefix each call was
 * rated on), with totals. Calls belong to the day they started on (as in GET /cdrs), and only
 * settled CDRs count: calls still open when the report runs are counted apart in `openCalls`.
 *
 * Revenue is summed in SQL over integer minor units and read exactly (see rating/money.ts).
 */
import type { Knex } from 'knex';
import { formatMoney, moneyFromDb, type Money } from '../rating/index.js';
import { toDbTime } from '../store/time.js';

export interface ReportRow {
  /** The account name, or the prefix; '' for calls without one (e.g. refused before rating). */
  key: string;
  /** Call attempts (refused ones included). */
  calls: number;
  answered: number;
  /** Attempts refused before dialling (NOCREDIT, NOROUTE, BADPIN, ...). */
  refused: number;
  billsec: number;
  revenue: Money;
}

export interface DailyReport {
  /** YYYY-MM-DD (UTC). */
  date: string;
  from: Date;
  to: Date;
  byAccount: ReportRow[];
  byPrefix: ReportRow[];
  totals: ReportRow;
  /** Calls of the day that were not settled yet when the report ran. */
  openCalls: number;
}

/** The UTC day 'YYYY-MM-DD' as [midnight, next midnight); throws RangeError for anything else. */
export function utcDay(date: string): { from: Date; to: Date } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const from = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : new Date(NaN);
  if (Number.isNaN(from.getTime()) || from.toISOString().slice(0, 10) !== date)
    throw new RangeError(`not a date YYYY-MM-DD: '${date}'`);
  return { from, to: new Date(from.getTime() + 86_400_000) };
}

/** The UTC day before `now`, as YYYY-MM-DD (what a report run just after midnight covers). */
export function yesterday(now: Date = new Date()): string {
  return new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
}

interface AggRow {
  key: string | null;
  calls: unknown;
  answered: unknown;
  refused: unknown;
  billsec: unknown;
  revenue: unknown;
}

const count = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

function toRow(r: AggRow): ReportRow {
  return {
    key: r.key ?? '',
    calls: count(r.calls),
    answered: count(r.answered),
    refused: count(r.refused),
    billsec: count(r.billsec),
    revenue: moneyFromDb(r.revenue),
  };
}

function aggregate(
  q: Knex,
  from: Date,
  to: Date,
  column: 'account' | 'prefix' | null,
): Knex.QueryBuilder {
  const query = q('astcdr')
    .where('status', 'settled')
    .where('start', '>=', toDbTime(from))
    .where('start', '<', toDbTime(to))
    .select(
      q.raw('COUNT(*) AS calls'),
      q.raw("SUM(CASE WHEN disposition = 'ANSWERED' THEN 1 ELSE 0 END) AS answered"),
      q.raw('SUM(CASE WHEN reason IS NOT NULL THEN 1 ELSE 0 END) AS refused'),
      q.raw('SUM(billsec) AS billsec'),
      q.raw('SUM(cost) AS revenue'),
    );
  if (column)
    query
      .select(q.raw('?? AS ??', [column, 'key']))
      .groupBy(column)
      .orderBy(column);
  return query;
}

export async function dailyReport(q: Knex, date: string): Promise<DailyReport> {
  const { from, to } = utcDay(date);
  const [byAccount, byPrefix, totals, open] = await Promise.all([
    aggregate(q, from, to, 'account') as Promise<AggRow[]>,
    aggregate(q, from, to, 'prefix') as Promise<AggRow[]>,
    aggregate(q, from, to, null) as Promise<AggRow[]>,
    q('astcdr')
      .where('status', 'open')
      .where('start', '>=', toDbTime(from))
      .where('start', '<', toDbTime(to))
      .count({ n: '*' }) as Promise<Array<{ n: unknown }>>,
  ]);
  return {
    date,
    from,
    to,
    byAccount: byAccount.map(toRow),
    byPrefix: byPrefix.map(toRow),
    totals: {
      ...toRow(
        totals[0] ?? { key: 'total', calls: 0, answered: 0, refused: 0, billsec: 0, revenue: 0 },
      ),
      key: 'total',
    },
    openCalls: count(open[0]?.n),
  };
}

/** Minutes of `billsec` seconds, exact to 2 decimals rounded half up (display only). */
export function minutes(billsec: number): string {
  const hundredths = Math.round((billsec * 100) / 60);
  return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
}

export const REPORT_COLUMNS = [
  'date',
  'group',
  'key',
  'calls',
  'answered',
  'refused',
  'billsec',
  'minutes',
  'revenue',
] as const;

/** One flat list: the account rows, the prefix rows, then the total (what the CSV holds). */
export function reportRecords(
  r: DailyReport,
): Array<Record<(typeof REPORT_COLUMNS)[number], string | number>> {
  const rec = (group: string, row: ReportRow) => ({
    date: r.date,
    group,
    key: row.key,
    calls: row.calls,
    answered: row.answered,
    refused: row.refused,
    billsec: row.billsec,
    minutes: minutes(row.billsec),
    revenue: formatMoney(row.revenue, 2),
  });
  return [
    ...r.byAccount.map((x) => rec('account', x)),
    ...r.byPrefix.map((x) => rec('prefix', x)),
    rec('total', r.totals),
  ];
}

/** The report as JSON-ready data (money as decimal strings). */
export function reportJson(r: DailyReport): Record<string, unknown> {
  const row = (x: ReportRow) => ({
    ...x,
    minutes: minutes(x.billsec),
    revenue: formatMoney(x.revenue, 2),
  });
  return {
    date: r.date,
    from: r.from.toISOString(),
    to: r.to.toISOString(),
    byAccount: r.byAccount.map(row),
    byPrefix: r.byPrefix.map(row),
    totals: row(r.totals),
    openCalls: r.openCalls,
  };
}

/** A plain-text table for a terminal. */
export function reportText(r: DailyReport): string {
  const head = ['', 'calls', 'answered', 'refused', 'minutes', 'revenue'];
  const line = (label: string, x: ReportRow) => [
    label,
    String(x.calls),
    String(x.answered),
    String(x.refused),
    minutes(x.billsec),
    formatMoney(x.revenue, 2),
  ];
  const table = (title: string, rows: string[][]) => {
    const all = [[title, ...head.slice(1)], ...rows];
    const widths = head.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
    return all
      .map((row) =>
        row
          .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
          .join('  '),
      )
      .join('\n');
  };
  const parts = [
    `astbill daily report ${r.date} (UTC)`,
    '',
    table('account', [
      ...r.byAccount.map((x) => line(x.key || '(unidentified)', x)),
      line('TOTAL', r.totals),
    ]),
    '',
    table('prefix', [
      ...r.byPrefix.map((x) => line(x.key || '(no rate)', x)),
      line('TOTAL', r.totals),
    ]),
  ];
  if (r.openCalls > 0)
    parts.push('', `${r.openCalls} call(s) of this day were still open and are not counted.`);
  return parts.join('\n') + '\n';
}

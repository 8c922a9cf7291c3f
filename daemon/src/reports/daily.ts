/**
 * The daily report: for one UTC day, call attempts, answered calls, refusals, billed seconds,
 * minutes and revenue, per account and per destination prefix (the tariff prefix each call was
 * rated on), with totals; and per carrier trunk the routed calls it carried (answered: a CDR's
 * trunk is the one that answered) with their minutes, buy cost, sell revenue and margin. Calls belong to the day they started on (as in GET /cdrs), and only
 * settled CDRs count: calls still open when the report runs are counted apart in `openCalls`.
 *
 * Revenue is summed in SQL over integer minor units and read exactly (see rating/money.ts). A
 * call's cost is in its account's currency (a converted call's too, store/fx.ts), so the report
 * also sums per account currency (`byCurrency`), and the account and prefix rows are per account
 * currency too (one prefix row per currency its calls were charged in). A trunk row is per the
 * currency its buy cost and margin are in: the tariff's for a converted call (buy rates are in
 * the tariff's terms, store/tx/settle.ts), so its revenue there is the cost before conversion
 * (tariff_cost) and revenue - buy = margin holds in one currency. Only the total row adds every
 * currency together (its call counts and seconds are what it is for).
 */
import type { Knex } from 'knex';
import { formatMoney, moneyFromDb, type Money } from '../rating/index.js';
import { toDbTime } from '../store/time.js';

export interface ReportRow {
  /** The account name, or the prefix; '' for calls without one (e.g. refused before rating). */
  key: string;
  /** ISO code the row's money is in; '' for the total row and for calls of no account. */
  currency: string;
  /** Call attempts (refused ones included). */
  calls: number;
  answered: number;
  /** Attempts refused before dialling (NOCREDIT, NOROUTE, BADPIN, ...). */
  refused: number;
  billsec: number;
  revenue: Money;
}

/** A trunk's calls: `revenue` is what they were sold for, `buy` what the carrier charged. */
export interface TrunkReportRow extends ReportRow {
  buy: Money;
  margin: Money;
}

export interface DailyReport {
  /** YYYY-MM-DD (UTC). */
  date: string;
  from: Date;
  to: Date;
  byAccount: ReportRow[];
  byPrefix: ReportRow[];
  byTrunk: TrunkReportRow[];
  /** Per account currency (key: ISO code; '' for calls of no account). */
  byCurrency: ReportRow[];
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
  currency?: string | null;
  calls: unknown;
  answered: unknown;
  refused: unknown;
  billsec: unknown;
  revenue: unknown;
  buy?: unknown;
  margin?: unknown;
}

const count = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

function toRow(r: AggRow): ReportRow {
  return {
    key: r.key ?? '',
    currency: r.currency ?? '',
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
  column: 'account' | 'prefix' | 'trunk' | 'currency' | null,
): Knex.QueryBuilder {
  const accountCurrency = 'a.currency';
  // A trunk row's money is in the tariff's terms (see the header).
  const currency = column === 'trunk' ? 'COALESCE(c.tariff_currency, a.currency)' : accountCurrency;
  const revenue = column === 'trunk' ? 'COALESCE(c.tariff_cost, c.cost)' : 'c.cost';
  const query = q('astcdr as c')
    .leftJoin('astaccount as a', 'a.id', 'c.account_id')
    .where('c.status', 'settled')
    .where('c.start', '>=', toDbTime(from))
    .where('c.start', '<', toDbTime(to))
    .select(
      q.raw('COUNT(*) AS calls'),
      q.raw("SUM(CASE WHEN c.disposition = 'ANSWERED' THEN 1 ELSE 0 END) AS answered"),
      q.raw('SUM(CASE WHEN c.reason IS NOT NULL THEN 1 ELSE 0 END) AS refused'),
      q.raw('SUM(c.billsec) AS billsec'),
      q.raw(`SUM(${revenue}) AS revenue`),
    );
  if (column === 'trunk')
    query
      .whereNotNull('c.trunk')
      .select(q.raw('SUM(c.buy_cost) AS buy'), q.raw('SUM(c.margin) AS margin'));
  if (column === null) return query;
  const key = column === 'currency' ? accountCurrency : `c.${column}`;
  return query
    .select(q.raw(`${key} AS ??`, ['key']), q.raw(`${currency} AS ??`, ['currency']))
    .groupBy(q.raw(`${key}, ${currency}`))
    .orderBy([{ column: 'key' }, { column: 'currency' }]);
}

export async function dailyReport(q: Knex, date: string): Promise<DailyReport> {
  const { from, to } = utcDay(date);
  const [byAccount, byPrefix, byTrunk, byCurrency, totals, open] = await Promise.all([
    aggregate(q, from, to, 'account') as Promise<AggRow[]>,
    aggregate(q, from, to, 'prefix') as Promise<AggRow[]>,
    aggregate(q, from, to, 'trunk') as Promise<AggRow[]>,
    aggregate(q, from, to, 'currency') as Promise<AggRow[]>,
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
    byTrunk: byTrunk.map((r) => ({
      ...toRow(r),
      buy: moneyFromDb(r.buy),
      margin: moneyFromDb(r.margin),
    })),
    byCurrency: byCurrency.map(toRow),
    totals: {
      ...toRow(
        totals[0] ?? { key: 'total', calls: 0, answered: 0, refused: 0, billsec: 0, revenue: 0 },
      ),
      key: 'total',
      currency: '',
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
  'currency',
  'calls',
  'answered',
  'refused',
  'billsec',
  'minutes',
  'revenue',
  'buy',
  'margin',
] as const;

/**
 * One flat list: the account rows, the prefix rows, the trunk rows, the currency rows, then the
 * total (what the CSV holds); buy and margin are filled on trunk rows only.
 */
export function reportRecords(
  r: DailyReport,
): Array<Record<(typeof REPORT_COLUMNS)[number], string | number>> {
  const rec = (group: string, row: ReportRow | TrunkReportRow) => ({
    date: r.date,
    group,
    key: row.key,
    currency: row.currency,
    calls: row.calls,
    answered: row.answered,
    refused: row.refused,
    billsec: row.billsec,
    minutes: minutes(row.billsec),
    revenue: formatMoney(row.revenue, 2),
    buy: 'buy' in row ? formatMoney(row.buy, 2) : '',
    margin: 'margin' in row ? formatMoney(row.margin, 2) : '',
  });
  return [
    ...r.byAccount.map((x) => rec('account', x)),
    ...r.byPrefix.map((x) => rec('prefix', x)),
    ...r.byTrunk.map((x) => rec('trunk', x)),
    ...r.byCurrency.map((x) => rec('currency', x)),
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
    byTrunk: r.byTrunk.map((x) => ({
      ...row(x),
      buy: formatMoney(x.buy, 2),
      margin: formatMoney(x.margin, 2),
    })),
    byCurrency: r.byCurrency.map(row),
    totals: row(r.totals),
    openCalls: r.openCalls,
  };
}

/** A plain-text table for a terminal. */
export function reportText(r: DailyReport): string {
  const head = ['', 'calls', 'answered', 'refused', 'minutes', 'revenue', 'currency'];
  const line = (label: string, x: ReportRow) => [
    label,
    String(x.calls),
    String(x.answered),
    String(x.refused),
    minutes(x.billsec),
    formatMoney(x.revenue, 2),
    x.currency,
  ];
  const table = (title: string, rows: string[][], columns: string[] = head.slice(1)) => {
    const all = [[title, ...columns], ...rows];
    const widths = all[0]!.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
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
  if (r.byTrunk.length > 0)
    parts.push(
      '',
      table(
        'trunk',
        r.byTrunk.map((x) => [
          x.key,
          String(x.calls),
          minutes(x.billsec),
          formatMoney(x.revenue, 2),
          formatMoney(x.buy, 2),
          formatMoney(x.margin, 2),
          x.currency,
        ]),
        ['calls', 'minutes', 'sell', 'buy', 'margin', 'currency'],
      ),
    );
  parts.push(
    '',
    table('currency', [
      ...r.byCurrency.map((x) => line(x.key || '(no account)', x)),
      line('TOTAL', r.totals),
    ]),
  );
  if (r.openCalls > 0)
    parts.push('', `${r.openCalls} call(s) of this day were still open and are not counted.`);
  return parts.join('\n') + '\n';
}

/**
 * The one presenter of call records, shared by the API (`GET /cdrs`, JSON and CSV) and the CLI
 * (`astbill cdr --json/--csv`). Times are ISO 8601 UTC strings or null; money goes through the
 * caller's formatter (the API writes at least 2 decimals, the CLI all 5), since each output
 * keeps its own. Each output picks its columns from CDR_COLUMNS, in that order.
 */
import { csvRows } from './csv.js';
import { formatFxRate, type Money } from './rating/index.js';
import type { Cdr } from './store/cdrs.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** Every CDR field, in the order of the exports. */
export const CDR_COLUMNS = [
  'id',
  'uniqueid',
  'account',
  'node',
  'src',
  'dst',
  'tariff',
  'prefix',
  'start',
  'answer',
  'end',
  'duration',
  'billsec',
  'disposition',
  'hangupCause',
  'reason',
  'ratePerMin',
  'connectFee',
  'maxSeconds',
  'maxCost',
  'cost',
  'trunk',
  'buyCost',
  'margin',
  'tariffCurrency',
  'fxRate',
  'tariffCost',
  'status',
  'note',
] as const;

export type CdrColumn = (typeof CDR_COLUMNS)[number];

export function cdrFields(c: Cdr, money: (m: Money) => string) {
  return {
    id: c.id,
    uniqueid: c.uniqueid,
    account: c.account,
    node: c.node,
    src: c.src,
    dst: c.dst,
    tariff: c.tariff,
    prefix: c.prefix,
    start: c.start.toISOString(),
    answer: iso(c.answer),
    end: iso(c.end),
    duration: c.duration,
    billsec: c.billsec,
    disposition: c.disposition,
    hangupCause: c.hangupCause,
    reason: c.reason,
    ratePerMin: c.rate ? money(c.rate.ratePerMin) : null,
    connectFee: c.rate ? money(c.rate.connectFee) : null,
    maxSeconds: c.maxSeconds,
    maxCost: c.maxCost === null ? null : money(c.maxCost),
    cost: money(c.cost),
    trunk: c.trunk ?? null,
    buyCost: c.buyCost === null || c.buyCost === undefined ? null : money(c.buyCost),
    margin: c.margin === null || c.margin === undefined ? null : money(c.margin),
    tariffCurrency: c.rate?.fx?.currency ?? null,
    fxRate: c.rate?.fx ? formatFxRate(c.rate.fx.rate) : null,
    tariffCost: c.tariffCost === null || c.tariffCost === undefined ? null : money(c.tariffCost),
    status: c.status,
    note: c.note,
  } satisfies Record<CdrColumn, unknown>;
}

export type CdrFields = ReturnType<typeof cdrFields>;

/** The fields of `columns` only, in their order. */
export function pickCdrFields<K extends CdrColumn>(
  f: CdrFields,
  columns: readonly K[],
): Pick<CdrFields, K> {
  return Object.fromEntries(columns.map((k) => [k, f[k]])) as Pick<CdrFields, K>;
}

/** CDRs as CSV: one line per record with `columns`, headed by `header(column)`. */
export function cdrCsv<K extends CdrColumn>(
  columns: readonly K[],
  rows: ReadonlyArray<Pick<CdrFields, K>>,
  header: (column: K) => string = (c) => c,
): string {
  return csvRows(
    columns.map(header),
    rows.map((r) => columns.map((c) => r[c])),
  );
}

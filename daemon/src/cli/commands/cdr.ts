/**
 * `astbill cdr [--account NAME] [--since WHEN] [--limit N] [--json|--csv]`: call records, oldest
 * first. WHEN is a date or date-time (UTC unless it carries an offset) or an age such as 2h or
 * 7d. --limit keeps the newest N (default 100 for the table, all for --json and --csv; 0 = all).
 */
import { cdrFields } from '../../cdr-fields.js';
import type { Cdr } from '../../store/index.js';
import { UsageError } from '../command.js';
import { integer, noArguments, parse, since } from '../args.js';
import { csv, json, jsonMoney, out, showMoney, showTime, table } from '../format.js';
import { withStore } from '../open-store.js';

export const summary = 'call detail records (--account, --since, --json or --csv)';

export const usage = `usage: astbill cdr [--account NAME] [--since WHEN] [--limit N] [--json | --csv]
  WHEN     a date or date-time (UTC unless it has an offset), or an age: 30m, 2h, 7d
  --limit  the newest N (default 100 for the table, all for --json and --csv; 0: all)`;

const CSV_HEADERS = [
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
  'hangup_cause',
  'reason',
  'max_seconds',
  'max_cost',
  'cost',
  'status',
  'note',
];

/** The API's CDR fields without its id and rate snapshot; money with all 5 decimals. */
function cdrJson(c: Cdr) {
  const {
    id: _id,
    ratePerMin: _ratePerMin,
    connectFee: _connectFee,
    ...fields
  } = cdrFields(c, jsonMoney);
  return fields;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('cdr', argv, {
    account: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    csv: { type: 'boolean' },
  });
  noArguments('cdr', positionals);
  if (values.json && values.csv) throw new UsageError('cdr: choose one of --json and --csv');
  const from = values.since === undefined ? undefined : since(values.since);
  const machine = values.json || values.csv;
  const limit =
    values.limit === undefined
      ? machine
        ? 0
        : 100
      : integer('--limit', values.limit, 0, 10_000_000);
  return withStore(async (store) => {
    if (values.account !== undefined && !(await store.accountByName(values.account)))
      throw new UsageError(`no account '${values.account}'`);
    const rows = await store.cdrs({
      account: values.account,
      since: from,
      limit: limit === 0 ? undefined : limit,
    });
    if (values.json) {
      out(json(rows.map(cdrJson)));
    } else if (values.csv) {
      out(
        csv(
          CSV_HEADERS,
          rows.map((c) => {
            const j = cdrJson(c);
            return [
              j.uniqueid,
              j.account,
              j.node,
              j.src,
              j.dst,
              j.tariff,
              j.prefix,
              j.start,
              j.answer,
              j.end,
              j.duration,
              j.billsec,
              j.disposition,
              j.hangupCause,
              j.reason,
              j.maxSeconds,
              j.maxCost,
              j.cost,
              j.status,
              j.note,
            ];
          }),
        ),
      );
    } else {
      out(
        table(
          ['START', 'ACCOUNT', 'SRC', 'DST', 'DISPOSITION', 'BILLSEC', 'COST', 'STATUS'],
          rows.map((c) => [
            showTime(c.start),
            c.account,
            c.src,
            c.dst,
            c.reason ? `${c.disposition} (${c.reason})` : (c.disposition ?? ''),
            c.billsec,
            showMoney(c.cost),
            c.status,
          ]),
        ),
      );
    }
    return 0;
  });
}

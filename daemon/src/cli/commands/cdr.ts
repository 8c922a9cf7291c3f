/**
 * `astbill cdr [--account NAME] [--since WHEN] [--limit N] [--json|--csv]`: call records, oldest
 * first. WHEN is a date or date-time (UTC unless it carries an offset) or an age such as 2h or
 * 7d. --limit keeps the newest N (default 100 for the table, all for --json and --csv; 0 = all).
 */
import { CDR_COLUMNS, cdrCsv, cdrFields, pickCdrFields } from '../../cdr-fields.js';
import { UsageError } from '../command.js';
import { integer, noArguments, parse, since } from '../args.js';
import { json, jsonMoney, out, showMoney, showTime, table } from '../format.js';
import { withStore } from '../open-store.js';

export const summary = 'call detail records (--account, --since, --json or --csv)';

export const usage = `usage: astbill cdr [--account NAME] [--since WHEN] [--limit N] [--json | --csv]
  WHEN     a date or date-time (UTC unless it has an offset), or an age: 30m, 2h, 7d
  --limit  the newest N (default 100 for the table, all for --json and --csv; 0: all)`;

/** The API's CDR columns without its id and rate snapshot. */
const COLUMNS = CDR_COLUMNS.filter((c) => c !== 'id' && c !== 'ratePerMin' && c !== 'connectFee');
/** CSV headers are the column names in snake_case (hangupCause → hangup_cause). */
const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

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
    const fields = () => rows.map((c) => pickCdrFields(cdrFields(c, jsonMoney), COLUMNS));
    if (values.json) {
      out(json(fields()));
    } else if (values.csv) {
      out(cdrCsv(COLUMNS, fields(), snakeCase));
    } else {
      out(
        table(
          [
            'START',
            'ACCOUNT',
            'SRC',
            'DST',
            'DISPOSITION',
            'BILLSEC',
            'COST',
            'TRUNK',
            'MARGIN',
            'STATUS',
          ],
          rows.map((c) => [
            showTime(c.start),
            c.account,
            c.src,
            c.dst,
            c.reason ? `${c.disposition} (${c.reason})` : (c.disposition ?? ''),
            c.billsec,
            showMoney(c.cost),
            c.trunk ?? '',
            c.margin === null || c.margin === undefined ? '' : showMoney(c.margin),
            c.status,
          ]),
        ),
      );
    }
    return 0;
  });
}

/**
 * `astbill rate add|import|list`: the tariffs. A tariff exists once it has a rate.
 *
 * Rate files (`rate import FILE.csv`) start with this header (column order free; tariff, prefix
 * and rate_per_min required, the others may be left out or empty):
 *
 *   tariff,prefix,description,rate_per_min,connect_fee,initial_secs,increment_secs,min_secs
 *   default,44,United Kingdom,0.05,0.10,60,6,0
 *   default,447,UK mobile,0.12,0,60,6,0
 *
 * Defaults: connect_fee 0, initial_secs 60, increment_secs 60, min_secs 0. Blank lines and lines
 * starting with # are skipped. Every line is checked; if any is bad, all bad lines are reported
 * with their line numbers and nothing is imported. A prefix may appear once per tariff in a file
 * (nested prefixes such as 44 and 447 are fine). Rows whose (tariff, prefix) already exist in the
 * database are updated (upsert); rates not in the file are left alone. One transaction.
 */
import { readFileSync } from 'node:fs';
import { parseMoney, type Rate } from '../../rating/index.js';
import { storableRateProblem } from '../../store/rates.js';
import { runSubcommand, UsageError } from '../command.js';
import {
  amount,
  integer,
  noArguments,
  optionalAmount,
  optionalInteger,
  parse,
  required,
} from '../args.js';
import { CsvSyntaxError, readCsv, type CsvRecord } from '../../csv.js';
import { jsonMoney, out, outList, showMoney } from '../format.js';
import { withStore } from '../open-store.js';
import { cliActor } from '../actor.js';

export const summary = 'add, import (CSV) and list rates';

export const usage = `usage:
  astbill rate add --tariff T --prefix P --rate PER_MIN [--connect FEE] [--initial S] [--increment S] [--min S] [--description D]
  astbill rate import FILE.csv     (header: ${'tariff,prefix,description,rate_per_min,connect_fee,initial_secs,increment_secs,min_secs'})
  astbill rate list [--tariff T] [--json]`;

export const CSV_COLUMNS = [
  'tariff',
  'prefix',
  'description',
  'rate_per_min',
  'connect_fee',
  'initial_secs',
  'increment_secs',
  'min_secs',
] as const;
type Column = (typeof CSV_COLUMNS)[number];
const REQUIRED: Column[] = ['tariff', 'prefix', 'rate_per_min'];

const DEFAULTS = { connect: 0n, initial: 60, increment: 60, min: 0 };

async function add(argv: string[]): Promise<number> {
  const { values, positionals } = parse('rate add', argv, {
    tariff: { type: 'string' },
    prefix: { type: 'string' },
    rate: { type: 'string' },
    connect: { type: 'string' },
    initial: { type: 'string' },
    increment: { type: 'string' },
    min: { type: 'string' },
    description: { type: 'string' },
  });
  noArguments('rate add', positionals);
  const rate: Rate = {
    tariff: required('--tariff', values.tariff),
    prefix: required('--prefix', values.prefix),
    description: values.description ?? '',
    ratePerMin: amount('--rate', values.rate),
    connectFee: optionalAmount('--connect', values.connect) ?? DEFAULTS.connect,
    initialSecs: optionalInteger('--initial', values.initial, 1, 86_400) ?? DEFAULTS.initial,
    incrementSecs:
      optionalInteger('--increment', values.increment, 1, 86_400) ?? DEFAULTS.increment,
    minSecs: optionalInteger('--min', values.min, 0, 86_400) ?? DEFAULTS.min,
  };
  const problem = storableRateProblem(rate);
  if (problem) throw new UsageError(`rate add: ${problem}`);
  return withStore(async (store) => {
    const r = await store.upsertRates([rate], cliActor());
    out(
      `rate ${rate.tariff}/${rate.prefix} ${r.updated ? 'updated' : 'added'}: ${showMoney(rate.ratePerMin)}/min, connect ${showMoney(rate.connectFee)}, ${rate.initialSecs}/${rate.incrementSecs}, min ${rate.minSecs}s\n`,
    );
    return 0;
  });
}

/**
 * Parses and checks a whole rate file: the rates, or every problem with its line number. With
 * `forTariff` (a trunk's buy-rate deck) the tariff column may be left out and every row gets
 * that name; a row naming another is a bad line.
 */
export function parseRateFile(
  text: string,
  forTariff?: string,
): { rates: Rate[]; problems: string[] } {
  let records: CsvRecord[];
  try {
    records = readCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) return { rates: [], problems: [err.message] };
    throw err;
  }
  const [head, ...body] = records;
  if (!head) return { rates: [], problems: ['the file is empty (expected a header line)'] };
  const header = head.fields.map((h) => h.toLowerCase());
  const unknown = header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h));
  const missing = REQUIRED.filter(
    (c) => !header.includes(c) && !(c === 'tariff' && forTariff !== undefined),
  );
  const twice = header.filter((h, i) => header.indexOf(h) !== i);
  if (unknown.length || missing.length || twice.length) {
    const what = [
      unknown.length ? `unknown column(s) ${unknown.join(', ')}` : '',
      missing.length ? `missing column(s) ${missing.join(', ')}` : '',
      twice.length ? `repeated column(s) ${twice.join(', ')}` : '',
    ].filter(Boolean);
    return {
      rates: [],
      problems: [
        `line ${head.line}: bad header: ${what.join('; ')} (expected ${CSV_COLUMNS.join(',')})`,
      ],
    };
  }
  const rates: Rate[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const { line, fields } of body) {
    try {
      if (fields.length !== header.length)
        throw new Error(`expected ${header.length} fields, found ${fields.length}`);
      const get = (c: Column): string | undefined => {
        const i = header.indexOf(c);
        const v = i === -1 ? undefined : fields[i];
        return v === '' ? undefined : v;
      };
      const money = (c: Column, def?: bigint): bigint => {
        const v = get(c);
        if (v === undefined) {
          if (def === undefined) throw new Error(`${c} is required`);
          return def;
        }
        let m: bigint;
        try {
          m = parseMoney(v);
        } catch (err) {
          throw new Error(`${c}: ${(err as Error).message}`);
        }
        if (m < 0n) throw new Error(`${c} must not be negative`);
        return m;
      };
      const int = (c: Column, def: number, min: number): number => {
        const v = get(c);
        if (v === undefined) return def;
        try {
          return integer(c, v, min, 86_400);
        } catch (err) {
          throw new Error((err as Error).message);
        }
      };
      const named = get('tariff');
      if (forTariff !== undefined && named !== undefined && named !== forTariff)
        throw new Error(`tariff '${named}' is not '${forTariff}' (the deck being imported)`);
      const rate: Rate = {
        tariff: named ?? forTariff ?? '',
        prefix: get('prefix') ?? '',
        description: get('description') ?? '',
        ratePerMin: money('rate_per_min'),
        connectFee: money('connect_fee', DEFAULTS.connect),
        initialSecs: int('initial_secs', DEFAULTS.initial, 1),
        incrementSecs: int('increment_secs', DEFAULTS.increment, 1),
        minSecs: int('min_secs', DEFAULTS.min, 0),
      };
      const problem =
        rate.tariff === ''
          ? 'tariff is required'
          : rate.prefix === ''
            ? 'prefix is required'
            : storableRateProblem(rate);
      if (problem) throw new Error(problem);
      const key = `${rate.tariff}\u0000${rate.prefix}`;
      const first = seen.get(key);
      if (first !== undefined)
        throw new Error(
          `prefix ${rate.prefix} of tariff ${rate.tariff} is already on line ${first}`,
        );
      seen.set(key, line);
      rates.push(rate);
    } catch (err) {
      problems.push(`line ${line}: ${(err as Error).message}`);
    }
  }
  if (problems.length === 0 && rates.length === 0)
    problems.push('the file has a header but no rates');
  return { rates, problems };
}

async function importFile(argv: string[]): Promise<number> {
  const { positionals } = parse('rate import', argv, {});
  if (positionals.length !== 1) throw new UsageError('usage: astbill rate import FILE.csv');
  const file = positionals[0]!;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `rate import: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const { rates, problems } = parseRateFile(text);
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`${file}: ${p}\n`);
    throw new UsageError(
      `rate import: ${problems.length} bad line(s) in ${file}; nothing imported`,
    );
  }
  return withStore(async (store) => {
    const r = await store.upsertRates(rates, cliActor());
    out(
      `imported ${rates.length} rate(s) from ${file}: ${r.inserted} added, ${r.updated} updated\n`,
    );
    return 0;
  });
}

async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parse('rate list', argv, {
    tariff: { type: 'string' },
    json: { type: 'boolean' },
  });
  noArguments('rate list', positionals);
  return withStore(async (store) => {
    const rates = await store.listRates(values.tariff);
    outList(rates, {
      asJson: values.json,
      toJson: (r) => ({
        tariff: r.tariff,
        prefix: r.prefix,
        description: r.description,
        ratePerMin: jsonMoney(r.ratePerMin),
        connectFee: jsonMoney(r.connectFee),
        initialSecs: r.initialSecs,
        incrementSecs: r.incrementSecs,
        minSecs: r.minSecs,
      }),
      headers: ['TARIFF', 'PREFIX', 'PER MIN', 'CONNECT', 'BLOCKS', 'MIN', 'DESCRIPTION'],
      toRow: (r) => [
        r.tariff,
        r.prefix,
        showMoney(r.ratePerMin),
        showMoney(r.connectFee),
        `${r.initialSecs}/${r.incrementSecs}`,
        r.minSecs,
        r.description,
      ],
    });
    return 0;
  });
}

export async function run(argv: string[]): Promise<number> {
  return runSubcommand('rate', usage, { add, import: importFile, list }, argv);
}

/**
 * `astbill trunk add|list|enable|disable|rates|plan`: the carriers calls leave through, their
 * buy rates and the route plan of a tariff. Without any trunk every call is dialled through
 * ASTBILL_DIAL; once one exists, calls are routed over the trunks (docs/operator-guide.md).
 *
 * Buy-rate decks (`trunk rates import TRUNK FILE.csv`) have the columns of a rate file
 * (`astbill rate import`) without the tariff column:
 *
 *   prefix,description,rate_per_min,connect_fee,initial_secs,increment_secs,min_secs
 *   44,United Kingdom,0.010,0,1,1,0
 *
 * Every line is checked; one bad line imports nothing. One transaction.
 */
import { readFileSync } from 'node:fs';
import { ROUTE_MODES } from '../../rating/index.js';
import { trunkProblem } from '../../store/trunks.js';
import { runSubcommand, UsageError } from '../command.js';
import { noArguments, optionalInteger, parse, required } from '../args.js';
import { jsonMoney, out, outList, showMoney } from '../format.js';
import { withStore } from '../open-store.js';
import { outRates } from '../rate-list.js';
import { cliActor } from '../actor.js';
import { parseRateDeck } from '../../rate-deck.js';
import { toCsv } from '../../csv.js';
import { trunkFields } from '../../trunk-fields.js';

const REPORT_COLUMNS = [
  'day',
  'trunk',
  'attempts',
  'answered',
  'asrPercent',
  'acdSeconds',
  'billsec',
  'buy',
  'sell',
  'margin',
  'currency',
] as const;

export const summary = 'carrier trunks: add, list, enable, disable, buy rates, route plans';

export const usage = `usage:
  astbill trunk add NAME --dial TEMPLATE [--strip N] [--prefix DIGITS] [--max-channels N] [--disabled]
        TEMPLATE has {number}, e.g. PJSIP/{number}@carrier-a; the number is sent with N leading
        digits stripped and DIGITS (a tech prefix) put in front
  astbill trunk list [--json]
  astbill trunk enable NAME
  astbill trunk disable NAME
  astbill trunk rates import NAME FILE.csv   (header: prefix,description,rate_per_min,connect_fee,initial_secs,increment_secs,min_secs)
  astbill trunk rates list NAME [--json]
  astbill trunk report [--day YYYY-MM-DD] [--days N] [--json | --csv]
        per trunk and UTC day (default today): attempts, answered, ASR, ACD, minutes, buy,
        sell, margin
  astbill trunk plan TARIFF --mode ${ROUTE_MODES.join('|')} [--trunks a,b:3,c]
        lcr: cheapest first (default for a tariff without a plan); priority: in the order
        given; weighted: shares by weight (name:weight)`;

async function add(argv: string[]): Promise<number> {
  const { values, positionals } = parse('trunk add', argv, {
    dial: { type: 'string' },
    strip: { type: 'string' },
    prefix: { type: 'string' },
    'max-channels': { type: 'string' },
    disabled: { type: 'boolean' },
  });
  if (positionals.length !== 1)
    throw new UsageError('usage: astbill trunk add NAME --dial TEMPLATE');
  const t = {
    name: positionals[0]!,
    dial: required('--dial', values.dial),
    stripDigits: optionalInteger('--strip', values.strip, 0, 20) ?? 0,
    techPrefix: values.prefix ?? '',
    maxChannels: optionalInteger('--max-channels', values['max-channels'], 1, 100_000) ?? null,
    enabled: !values.disabled,
  };
  const problem = trunkProblem(t);
  if (problem) throw new UsageError(`trunk add: ${problem}`);
  return withStore(async (store) => {
    const made = await store.addTrunk(t, cliActor());
    out(
      `trunk ${made.name} added: ${made.dial}, strip ${made.stripDigits}, prefix '${made.techPrefix}', ` +
        `channels ${made.maxChannels ?? 'unlimited'}, ${made.enabled ? 'enabled' : 'disabled'}\n`,
    );
    return 0;
  });
}

async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parse('trunk list', argv, { json: { type: 'boolean' } });
  noArguments('trunk list', positionals);
  return withStore(async (store) => {
    outList(await store.listTrunks(), {
      asJson: values.json,
      toJson: trunkFields,
      headers: ['NAME', 'DIAL', 'STRIP', 'PREFIX', 'CHANNELS', 'ENABLED'],
      toRow: (t) => [
        t.name,
        t.dial,
        t.stripDigits,
        t.techPrefix,
        t.maxChannels ?? '-',
        t.enabled ? 'yes' : 'no',
      ],
    });
    return 0;
  });
}

function setEnabled(enabled: boolean) {
  const verb = enabled ? 'enable' : 'disable';
  return async (argv: string[]): Promise<number> => {
    const { positionals } = parse(`trunk ${verb}`, argv, {});
    if (positionals.length !== 1) throw new UsageError(`usage: astbill trunk ${verb} NAME`);
    return withStore(async (store) => {
      const t = await store.setTrunkEnabled(positionals[0]!, enabled, cliActor());
      out(`trunk ${t.name} ${enabled ? 'enabled' : 'disabled'}\n`);
      return 0;
    });
  };
}

async function ratesImport(argv: string[]): Promise<number> {
  const { positionals } = parse('trunk rates import', argv, {});
  if (positionals.length !== 2)
    throw new UsageError('usage: astbill trunk rates import NAME FILE.csv');
  const [name, file] = positionals as [string, string];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `trunk rates import: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const { rates, problems } = parseRateDeck(text, { tariff: name });
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`${file}: ${p}\n`);
    throw new UsageError(
      `trunk rates import: ${problems.length} bad line(s) in ${file}; nothing imported`,
    );
  }
  return withStore(async (store) => {
    const r = await store.upsertBuyRates(name, rates, cliActor());
    out(
      `imported ${rates.length} buy rate(s) for trunk ${name} from ${file}: ${r.inserted} added, ${r.updated} updated\n`,
    );
    return 0;
  });
}

async function ratesList(argv: string[]): Promise<number> {
  const { values, positionals } = parse('trunk rates list', argv, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('usage: astbill trunk rates list NAME');
  return withStore(async (store) => {
    outRates(await store.listBuyRates(positionals[0]!), {
      asJson: values.json,
      owner: 'trunk',
      ownerColumn: false,
    });
    return 0;
  });
}

async function plan(argv: string[]): Promise<number> {
  const { values, positionals } = parse('trunk plan', argv, {
    mode: { type: 'string' },
    trunks: { type: 'string' },
  });
  if (positionals.length !== 1)
    throw new UsageError('usage: astbill trunk plan TARIFF --mode lcr|priority|weighted');
  return withStore(async (store) => {
    const p = await store.setRoutePlan(
      positionals[0]!,
      required('--mode', values.mode),
      values.trunks ?? '',
      cliActor(),
    );
    const list = p.trunks.map((t) => `${t.name}${p.mode === 'weighted' ? `:${t.weight}` : ''}`);
    out(
      `tariff ${positionals[0]} routes by ${p.mode}${list.length ? ` over ${list.join(', ')}` : ''}\n`,
    );
    return 0;
  });
}

/** The UTC day `text` (YYYY-MM-DD) as [start, start + days). */
export function dayRange(text: string | undefined, days: number, now = new Date()): [Date, Date] {
  const day = text ?? now.toISOString().slice(0, 10);
  const from = new Date(`${day}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(from.getTime()))
    throw new UsageError(`--day: '${day}' is not a day (YYYY-MM-DD)`);
  return [from, new Date(from.getTime() + days * 86_400_000)];
}

async function report(argv: string[]): Promise<number> {
  const { values, positionals } = parse('trunk report', argv, {
    day: { type: 'string' },
    days: { type: 'string' },
    json: { type: 'boolean' },
    csv: { type: 'boolean' },
  });
  noArguments('trunk report', positionals);
  if (values.json && values.csv)
    throw new UsageError('trunk report: choose one of --json and --csv');
  const [from, to] = dayRange(values.day, optionalInteger('--days', values.days, 1, 366) ?? 1);
  return withStore(async (store) => {
    const rows = await store.trunkReport(from, to);
    const record = (d: (typeof rows)[number]) => ({
      day: d.day,
      trunk: d.trunk,
      attempts: d.attempts,
      answered: d.answered,
      asrPercent: d.asrPercent,
      acdSeconds: d.acdSeconds,
      billsec: d.billsec,
      buy: jsonMoney(d.buy),
      sell: jsonMoney(d.sell),
      margin: jsonMoney(d.margin),
      currency: d.currency,
    });
    if (values.csv) {
      out(toCsv(REPORT_COLUMNS, rows.map(record)));
      return 0;
    }
    outList(rows, {
      asJson: values.json,
      toJson: record,
      headers: [
        'DAY',
        'TRUNK',
        'ATTEMPTS',
        'ANSWERED',
        'ASR',
        'ACD',
        'MINUTES',
        'BUY',
        'SELL',
        'MARGIN',
        'CURRENCY',
      ],
      toRow: (d) => [
        d.day,
        d.trunk,
        d.attempts,
        d.answered,
        d.asrPercent === null ? '-' : `${d.asrPercent}%`,
        d.acdSeconds === null ? '-' : `${d.acdSeconds}s`,
        (d.billsec / 60).toFixed(1),
        showMoney(d.buy),
        showMoney(d.sell),
        showMoney(d.margin),
        d.currency,
      ],
    });
    return 0;
  });
}

export function run(argv: string[]): Promise<number> {
  return runSubcommand(
    'trunk',
    usage,
    {
      add,
      list,
      enable: setEnabled(true),
      disable: setEnabled(false),
      rates: (rest) =>
        runSubcommand('trunk rates', usage, { import: ratesImport, list: ratesList }, rest),
      plan,
      report,
    },
    argv,
  );
}

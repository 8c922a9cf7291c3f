/**
 * `astbill rate add|import|list`: the tariffs. A tariff exists once it has a rate.
 *
 * Rate decks (`rate import FILE.csv`, read by ../../rate-deck.ts) start with a header line,
 * comma- or semicolon-separated, column order free; astbill's own names are
 *
 *   tariff,prefix,description,rate_per_min,connect_fee,initial_secs,increment_secs,min_secs
 *   default,44,United Kingdom,0.05,0.10,60,6,0
 *
 * and carriers' usual names (Code, Destination, Rate, Connection Fee, First Increment, Next
 * Increment, Effective Date, …) are read too; `--map field=Header,…` names the others,
 * `--tariff T` gives the tariff of a deck without a tariff column. Defaults: connect_fee 0,
 * initial_secs 60, increment_secs 60, min_secs 0. Every line is checked; if any is bad, all bad
 * lines are reported with their line numbers and nothing is imported. Rows whose (tariff,
 * prefix) already exist are updated (upsert); rates not in the file are left alone. One
 * transaction.
 */
import { readFileSync } from 'node:fs';
import type { Rate } from '../../rating/index.js';
import { storableRateProblem } from '../../store/rates.js';
import { runSubcommand, UsageError } from '../command.js';
import { amount, noArguments, optionalAmount, optionalInteger, parse, required } from '../args.js';
import { parseEffective, parseMapping, parseRateDeck } from '../../rate-deck.js';
import { showDiffs } from '../rate-diff.js';
import { out, outList, showMoney } from '../format.js';
import { withStore } from '../open-store.js';
import { outRates } from '../rate-list.js';
import { cliActor } from '../actor.js';

export const summary = 'add, import (CSV) and list rates';

export const usage = `usage:
  astbill rate add --tariff T --prefix P --rate PER_MIN [--connect FEE] [--initial S] [--increment S] [--min S] [--description D]
  astbill rate import FILE.csv [--tariff T] [--map FIELD=Header,...] [--ignore Header,...]
      (header names: tariff,prefix,description,rate_per_min,connect_fee,initial_secs,increment_secs,min_secs,effective
       or a carrier's: Code, Destination, Rate, Connection Fee, First Increment, Next Increment, Effective Date; , or ;)
  astbill rate import FILE.csv --effective DATETIME (--dry-run | --yes)
      (a new version of each tariff in the deck from DATETIME (UTC unless a zone is given):
       the diff against the version it takes over from is shown first; --yes writes it)
  astbill rate versions [--tariff T] [--json]
  astbill rate list [--tariff T] [--json]     (the rates in force now)`;

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

async function importFile(argv: string[]): Promise<number> {
  const { values, positionals } = parse('rate import', argv, {
    tariff: { type: 'string' },
    map: { type: 'string' },
    ignore: { type: 'string' },
    effective: { type: 'string' },
    'dry-run': { type: 'boolean' },
    yes: { type: 'boolean' },
  });
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
  let map;
  try {
    map = values.map === undefined ? undefined : parseMapping(values.map);
  } catch (err) {
    throw new UsageError(`rate import: ${(err as Error).message}`);
  }
  const deck = parseRateDeck(text, {
    tariff: values.tariff,
    map,
    ignore: values.ignore?.split(',').map((h) => h.trim()),
  });
  if (deck.problems.length > 0) {
    for (const p of deck.problems) process.stderr.write(`${file}: ${p}\n`);
    throw new UsageError(
      `rate import: ${deck.problems.length} bad line(s) in ${file}; nothing imported`,
    );
  }
  const effective = effectiveOf(values.effective, deck.effective);
  if (effective) return importVersion(file, deck.rates, effective, values);
  if (values['dry-run'] || values.yes)
    throw new UsageError('rate import: --dry-run and --yes go with --effective');
  const rates = deck.rates;
  return withStore(async (store) => {
    const r = await store.upsertRates(rates, cliActor());
    const ignored = deck.ignored.length ? ` (columns not read: ${deck.ignored.join(', ')})` : '';
    out(
      `imported ${rates.length} rate(s) from ${file}: ${r.inserted} added, ${r.updated} updated${ignored}\n`,
    );
    return 0;
  });
}

/** The version's effective time: --effective, else the deck's own column; both must agree. */
function effectiveOf(option: string | undefined, inDeck: Date | null): Date | null {
  let given: Date | null = null;
  try {
    given = option === undefined ? null : parseEffective(option);
  } catch (err) {
    throw new UsageError(`rate import: --effective ${(err as Error).message}`);
  }
  if (given && inDeck && given.getTime() !== inDeck.getTime())
    throw new UsageError(
      `rate import: --effective ${given.toISOString()} differs from the deck's ${inDeck.toISOString()}; nothing imported`,
    );
  return given ?? inDeck;
}

async function importVersion(
  file: string,
  rates: Rate[],
  effective: Date,
  o: { 'dry-run'?: boolean | undefined; yes?: boolean | undefined },
): Promise<number> {
  if (o['dry-run'] && o.yes) throw new UsageError('rate import: --dry-run or --yes, not both');
  return withStore(async (store) => {
    const diffs = await store.importRateVersion(rates, effective, {
      dryRun: !o.yes,
      actor: cliActor(),
    });
    out(showDiffs(diffs));
    if (o.yes) {
      out(
        `imported ${rates.length} rate(s) from ${file} as the version effective ${effective.toISOString()}\n`,
      );
      return 0;
    }
    if (o['dry-run']) {
      out('dry run: nothing written\n');
      return 0;
    }
    throw new UsageError(
      'rate import: nothing written; run again with --yes to import this version',
    );
  });
}

async function versions(argv: string[]): Promise<number> {
  const { values, positionals } = parse('rate versions', argv, {
    tariff: { type: 'string' },
    json: { type: 'boolean' },
  });
  noArguments('rate versions', positionals);
  return withStore(async (store) => {
    const now = Date.now();
    const list = await store.rateVersions(values.tariff);
    const inForce = new Map<string, number>();
    for (const v of list)
      if (v.effective.getTime() <= now) inForce.set(v.tariff, v.effective.getTime());
    outList(list, {
      asJson: values.json,
      toJson: (v) => ({
        tariff: v.tariff,
        effective: v.effective.toISOString(),
        rates: v.rates,
        inForce: inForce.get(v.tariff) === v.effective.getTime(),
      }),
      headers: ['TARIFF', 'EFFECTIVE', 'RATES', 'NOW'],
      toRow: (v) => [
        v.tariff,
        v.effective.getTime() === 0 ? 'always' : v.effective.toISOString(),
        v.rates,
        inForce.get(v.tariff) === v.effective.getTime()
          ? 'in force'
          : v.effective.getTime() > now
            ? 'future'
            : 'past',
      ],
    });
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
    outRates(rates, { asJson: values.json, owner: 'tariff', ownerColumn: true });
    return 0;
  });
}

export async function run(argv: string[]): Promise<number> {
  return runSubcommand('rate', usage, { add, import: importFile, list, versions }, argv);
}

/**
 * `astbill dest allow|deny|remove|import|list`: destination blocks (prefix rules) per tariff or
 * per account. The account's longest matching rule decides, else its tariff's; with any allow
 * rule only allowed prefixes may be called. Denied calls are refused BLOCKEDDEST.
 * Files for `dest import` are CSV with a `prefix` column (others, e.g. description, ignored);
 * docs/examples/deny-premium-satellite.csv is an example to start from.
 */
import { readFileSync } from 'node:fs';
import { CsvSyntaxError, readCsv } from '../../csv.js';
import type { DestAction, DestScope } from '../../rating/index.js';
import { runSubcommand, UsageError } from '../command.js';
import { noArguments, parse } from '../args.js';
import { out, outList } from '../format.js';
import { withStore } from '../open-store.js';
import { cliActor } from '../actor.js';

export const summary = 'allow or deny destination prefixes per tariff or account';

export const usage = `usage:
  astbill dest deny (--tariff T | --account NAME) PREFIX...
  astbill dest allow (--tariff T | --account NAME) PREFIX...
  astbill dest remove (--tariff T | --account NAME) PREFIX...
  astbill dest import (--tariff T | --account NAME) FILE.csv [--allow]
  astbill dest list [--tariff T | --account NAME] [--json]`;

const ownerOptions = { tariff: { type: 'string' }, account: { type: 'string' } } as const;

function owner(command: string, v: { tariff?: string; account?: string }): [DestScope, string] {
  if ((v.tariff === undefined) === (v.account === undefined))
    throw new UsageError(`${command}: give --tariff T or --account NAME`);
  return v.tariff !== undefined ? ['tariff', v.tariff] : ['account', v.account!];
}

function setter(action: DestAction | null, name: string) {
  return async (argv: string[]): Promise<number> => {
    const { values, positionals } = parse(`dest ${name}`, argv, ownerOptions);
    const [scope, who] = owner(`dest ${name}`, values);
    if (positionals.length === 0) throw new UsageError(`dest ${name}: give at least one PREFIX`);
    return withStore(async (store) => {
      const n = await store.setDestRules(scope, who, positionals, action, cliActor());
      out(`${scope} ${who}: ${n} prefix${n === 1 ? '' : 'es'} ${action ?? 'removed'}\n`);
      return 0;
    });
  };
}

function prefixesOf(file: string): string[] {
  let records;
  try {
    records = readCsv(readFileSync(file, 'utf8'));
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new UsageError(`${file}: ${err.message}`);
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
  const col = records[0]?.fields.indexOf('prefix') ?? -1;
  if (col < 0) throw new UsageError(`${file}: the first line must name a 'prefix' column`);
  const bad = records.slice(1).find((r) => !/^\d{1,40}$/.test(r.fields[col] ?? ''));
  if (bad) throw new UsageError(`${file}:${bad.line}: a prefix is 1-40 digits`);
  return records.slice(1).map((r) => r.fields[col]!);
}

async function importFile(argv: string[]): Promise<number> {
  const { values, positionals } = parse('dest import', argv, {
    ...ownerOptions,
    allow: { type: 'boolean' },
  });
  const [scope, who] = owner('dest import', values);
  if (positionals.length !== 1) throw new UsageError('dest import: give one FILE.csv');
  const prefixes = prefixesOf(positionals[0]!);
  const action: DestAction = values.allow ? 'allow' : 'deny';
  return withStore(async (store) => {
    const n = await store.setDestRules(scope, who, prefixes, action, cliActor());
    out(`${scope} ${who}: ${n} prefixes ${action}\n`);
    return 0;
  });
}

async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parse('dest list', argv, {
    ...ownerOptions,
    json: { type: 'boolean' },
  });
  noArguments('dest list', positionals);
  let filter = {};
  if (values.tariff !== undefined || values.account !== undefined) {
    const [scope, o] = owner('dest list', values);
    filter = { scope, owner: o };
  }
  return withStore(async (store) => {
    const rules = await store.listDestRules(filter);
    outList(rules, {
      asJson: values.json,
      toJson: (r) => r,
      headers: ['SCOPE', 'OWNER', 'PREFIX', 'ACTION'],
      toRow: (r) => [r.scope, r.owner, r.prefix, r.action],
    });
    return 0;
  });
}

export async function run(argv: string[]): Promise<number> {
  return runSubcommand(
    'dest',
    usage,
    {
      deny: setter('deny', 'deny'),
      allow: setter('allow', 'allow'),
      remove: setter(null, 'remove'),
      import: importFile,
      list,
    },
    argv,
  );
}

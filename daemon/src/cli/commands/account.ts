/**
 * `astbill account add|show|list|topup|block|unblock|charging|caps|limits|callerid`: the operator's account tools.
 * Amounts are decimal strings (at most 5 decimal places), never negative.
 */
import type { AccountDetails } from '../../store/index.js';
import { runSubcommand, UsageError } from '../command.js';
import { amount, noArguments, optionalAmount, optionalInteger, parse, required } from '../args.js';
import { json, jsonMoney, out, outList, showMoney, showTime } from '../format.js';
import { withStore } from '../open-store.js';
import { cliActor } from '../actor.js';
import { caps, capsUsage } from '../account-caps.js';
import { callerId, limits, limitsUsage } from '../account-limits.js';

export const summary = 'add, show, list, top up, block and unblock accounts';

export const usage = `usage:
  astbill account add --name NAME --balance AMOUNT [--pin PIN] [--ani NUMBER]... [--tariff T]
                      [--credit-limit AMOUNT] [--max-calls N] [--max-seconds S] [--currency CUR] [--json]
  astbill account show NAME [--json]
  astbill account list [--json]
  astbill account topup NAME AMOUNT [--reference REF] [--note TEXT] [--json]
  astbill account block NAME
  astbill account unblock NAME
  astbill account charging NAME single|grant|default [--grant-seconds S]
  ${capsUsage}
  ${limitsUsage}`;

function accountJson(a: AccountDetails) {
  return {
    id: a.id,
    name: a.name,
    status: a.status,
    balance: jsonMoney(a.balance),
    reserved: jsonMoney(a.reserved),
    creditLimit: jsonMoney(a.creditLimit),
    available: jsonMoney(a.balance + a.creditLimit - a.reserved),
    currency: a.currency,
    tariff: a.tariff,
    maxCalls: a.maxCalls,
    maxSeconds: a.maxCallSeconds,
    hasPin: a.hasPin,
    anis: a.anis,
    liveCalls: a.liveCalls,
    created: a.created.toISOString(),
    updated: a.updated.toISOString(),
  };
}

function accountText(a: AccountDetails): string {
  const rows: Array<[string, string]> = [
    ['name', a.name],
    ['status', a.status],
    ['balance', `${showMoney(a.balance)} ${a.currency}`],
    ['reserved', `${showMoney(a.reserved)} ${a.currency}`],
    ['credit limit', `${showMoney(a.creditLimit)} ${a.currency}`],
    ['available', `${showMoney(a.balance + a.creditLimit - a.reserved)} ${a.currency}`],
    ['tariff', a.tariff],
    ['max calls', a.maxCalls === null ? 'unlimited' : String(a.maxCalls)],
    ['max seconds', a.maxCallSeconds === null ? 'default' : String(a.maxCallSeconds)],
    ['PIN', a.hasPin ? 'set' : 'none'],
    ['ANIs', a.anis.join(', ') || 'none'],
    ['live calls', String(a.liveCalls)],
    ['created', showTime(a.created)],
  ];
  return rows.map(([k, v]) => `${k.padEnd(13)}${v}`).join('\n') + '\n';
}

async function add(argv: string[]): Promise<number> {
  const { values, positionals } = parse('account add', argv, {
    name: { type: 'string' },
    balance: { type: 'string' },
    pin: { type: 'string' },
    ani: { type: 'string', multiple: true },
    tariff: { type: 'string' },
    'credit-limit': { type: 'string' },
    'max-calls': { type: 'string' },
    'max-seconds': { type: 'string' },
    currency: { type: 'string' },
    json: { type: 'boolean' },
  });
  noArguments('account add', positionals);
  const input = {
    name: required('--name', values.name),
    balance: amount('--balance', values.balance),
    pin: values.pin,
    anis: values.ani,
    tariff: values.tariff,
    creditLimit: optionalAmount('--credit-limit', values['credit-limit']),
    maxCalls: optionalInteger('--max-calls', values['max-calls'], 0, 1_000_000),
    maxSeconds: optionalInteger('--max-seconds', values['max-seconds'], 1, 86_400),
    currency: values.currency,
  };
  return withStore(async (store) => {
    const a = await store.addAccount(input, cliActor());
    out(
      values.json
        ? json(accountJson(a))
        : `account ${a.name} added: balance ${showMoney(a.balance)} ${a.currency}, tariff ${a.tariff}\n`,
    );
    return 0;
  });
}

async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parse('account show', argv, { json: { type: 'boolean' } });
  const name = oneName('account show', positionals);
  return withStore(async (store) => {
    const a = await store.accountDetails(name);
    if (!a) throw new UsageError(`no account '${name}'`);
    out(values.json ? json(accountJson(a)) : accountText(a));
    return 0;
  });
}

async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parse('account list', argv, { json: { type: 'boolean' } });
  noArguments('account list', positionals);
  return withStore(async (store) => {
    const all = await store.listAccounts();
    outList(all, {
      asJson: values.json,
      toJson: accountJson,
      headers: ['NAME', 'STATUS', 'BALANCE', 'RESERVED', 'AVAILABLE', 'CUR', 'TARIFF', 'CALLS'],
      toRow: (a) => [
        a.name,
        a.status,
        showMoney(a.balance),
        showMoney(a.reserved),
        showMoney(a.balance + a.creditLimit - a.reserved),
        a.currency,
        a.tariff,
        a.maxCalls === null ? `${a.liveCalls}` : `${a.liveCalls}/${a.maxCalls}`,
      ],
    });
    return 0;
  });
}

async function topup(argv: string[]): Promise<number> {
  const { values, positionals } = parse('account topup', argv, {
    reference: { type: 'string' },
    note: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 2) throw new UsageError('usage: astbill account topup NAME AMOUNT');
  const [name, text] = positionals as [string, string];
  const value = amount('top-up amount', text, { positive: true });
  return withStore(async (store) => {
    const e = await store.topup(name, value, {
      reference: values.reference,
      note: values.note,
      actor: cliActor(),
    });
    const a = (await store.accountDetails(name))!;
    if (values.json) {
      out(
        json({
          account: name,
          amount: jsonMoney(e.amount),
          balance: jsonMoney(e.balanceAfter),
          currency: a.currency,
          reference: e.reference,
          ledgerId: e.id,
        }),
      );
    } else {
      out(
        `${name}: +${showMoney(e.amount)} ${a.currency}, balance ${showMoney(e.balanceAfter)} ${a.currency}\n`,
      );
    }
    return 0;
  });
}

async function setStatus(argv: string[], status: 'active' | 'blocked'): Promise<number> {
  const verb = status === 'blocked' ? 'block' : 'unblock';
  const { positionals } = parse(`account ${verb}`, argv, {});
  const name = oneName(`account ${verb}`, positionals);
  return withStore(async (store) => {
    await store.setAccountStatus(name, status, cliActor());
    out(`account ${name} ${status === 'blocked' ? 'blocked' : 'unblocked'}\n`);
    return 0;
  });
}

/** Grant mode (interim grants of S seconds) or single mode for one account; 'default' follows the daemon. */
async function charging(argv: string[]): Promise<number> {
  const { values, positionals } = parse('account charging', argv, {
    'grant-seconds': { type: 'string' },
  });
  if (positionals.length !== 2 || !['single', 'grant', 'default'].includes(positionals[1]!)) {
    throw new UsageError(
      'usage: astbill account charging NAME single|grant|default [--grant-seconds S]',
    );
  }
  const [name, mode] = positionals as [string, 'single' | 'grant' | 'default'];
  const grantSeconds =
    optionalInteger('--grant-seconds', values['grant-seconds'], 6, 86_400) ?? null;
  return withStore(async (store) => {
    await store.setCharging(
      name,
      { mode: mode === 'default' ? null : mode, grantSeconds },
      cliActor(),
    );
    out(
      `account ${name}: charging ${mode === 'default' ? "the daemon's default" : mode}${grantSeconds !== null ? `, grants of ${grantSeconds} s` : ''}\n`,
    );
    return 0;
  });
}

function oneName(command: string, positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError(`usage: astbill ${command} NAME`);
  return positionals[0]!;
}

export async function run(argv: string[]): Promise<number> {
  return runSubcommand(
    'account',
    usage,
    {
      add,
      show,
      list,
      topup,
      block: (rest) => setStatus(rest, 'blocked'),
      unblock: (rest) => setStatus(rest, 'active'),
      charging,
      caps,
      limits,
      callerid: callerId,
    },
    argv,
  );
}

/**
 * `astbill account limits NAME [--credit-limit A] [--max-calls N|none] [--max-seconds S|none]`
 * and `astbill account callerid NAME [--add NUM]... [--remove NUM]...`: the same audited changes
 * as POST /accounts/{name}/limits and /callerids (store/account-limits.ts).
 */
import { UsageError } from './command.js';
import { amount, integer, parse } from './args.js';
import { out, showMoney } from './format.js';
import { withStore } from './open-store.js';
import { cliActor } from './actor.js';

export const limitsUsage = `astbill account limits NAME [--credit-limit AMOUNT] [--max-calls N|none] [--max-seconds S|none]
  astbill account callerid NAME [--add NUMBER]... [--remove NUMBER]...`;

const wholeOrNone = (what: string, v: string | undefined, min: number, max: number) =>
  v === undefined ? undefined : v === 'none' ? null : integer(what, v, min, max);

export async function limits(argv: string[]): Promise<number> {
  const { values, positionals } = parse('account limits', argv, {
    'credit-limit': { type: 'string' },
    'max-calls': { type: 'string' },
    'max-seconds': { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError(`usage: ${limitsUsage}`);
  const name = positionals[0]!;
  const patch = {
    creditLimit:
      values['credit-limit'] === undefined
        ? undefined
        : amount('--credit-limit', values['credit-limit']),
    maxCalls: wholeOrNone('--max-calls', values['max-calls'], 0, 100_000),
    maxSeconds: wholeOrNone('--max-seconds', values['max-seconds'], 1, 86_400),
  };
  return withStore(async (store) => {
    const a = await store.setLimits(name, patch, cliActor());
    out(
      `account ${name}: credit limit ${showMoney(a.creditLimit)} ${a.currency}, ` +
        `max calls ${a.maxCalls ?? 'unlimited'}, max seconds ${a.maxCallSeconds ?? 'default'}\n`,
    );
    return 0;
  });
}

export async function callerId(argv: string[]): Promise<number> {
  const { values, positionals } = parse('account callerid', argv, {
    add: { type: 'string', multiple: true },
    remove: { type: 'string', multiple: true },
  });
  if (positionals.length !== 1) throw new UsageError(`usage: ${limitsUsage}`);
  const name = positionals[0]!;
  return withStore(async (store) => {
    const now = await store.changeCallerIds(
      name,
      { add: values.add, remove: values.remove },
      cliActor(),
    );
    out(`account ${name}: caller IDs ${now.join(', ') || 'none'}\n`);
    return 0;
  });
}

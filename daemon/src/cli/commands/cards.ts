/**
 * `astbill cards generate|list|show|disable`: batches of prepaid calling cards. Each card is an
 * account with a random PIN (shown once, as CSV: only its hash is stored), an opening balance of
 * the batch's value, and an expiry (see docs/cards.md).
 */
import { runSubcommand, UsageError } from '../command.js';
import { amount, integer, noArguments, optionalInteger, parse, required } from '../args.js';
import { withStore } from '../open-store.js';
import { cliActor } from '../actor.js';
import { formatMoney } from '../../rating/index.js';
import { batchId, expiresArg, listBatchesOut, secretsOut, showBatchOut } from '../batch-output.js';
import { err } from '../format.js';
import { batchSecrets } from '../../batch-fields.js';

export const summary = 'prepaid calling-card batches (generate, list, show, disable)';

export const usage = `usage:
  astbill cards generate --count N --value X --tariff T [--expires DATE] [--valid-days D]
                         [--prefix NAME] [--pin-length L] [--currency C] [--out FILE.csv]
  astbill cards list [--json]
  astbill cards show BATCH [--json]
  astbill cards disable BATCH
--expires: the cards are refused from then on (a date is the end of that UTC day);
--valid-days: each card is valid for D days from its first call (with both: whichever is first).
The CSV (account,pin,value,currency,expires) is printed once, or written to --out (mode 0600).`;

async function generate(argv: string[]): Promise<number> {
  const { values, positionals } = parse('cards generate', argv, {
    count: { type: 'string' },
    value: { type: 'string' },
    tariff: { type: 'string' },
    expires: { type: 'string' },
    'valid-days': { type: 'string' },
    prefix: { type: 'string' },
    'pin-length': { type: 'string' },
    currency: { type: 'string' },
    out: { type: 'string' },
  });
  noArguments('cards generate', positionals);
  const count = integer('--count', required('--count', values.count), 1, 10_000);
  const value = amount('--value', values.value, { positive: true });
  const tariff = required('--tariff', values.tariff);
  const expires = expiresArg(values.expires);
  const validDays = optionalInteger('--valid-days', values['valid-days'], 1, 3650);
  const pinLength = optionalInteger('--pin-length', values['pin-length'], 1, 20);
  return withStore(async (store) => {
    const made = await store.generateCards({
      count,
      value,
      tariff,
      expires,
      validDays,
      prefix: values.prefix,
      pinLength,
      currency: values.currency,
      operator: cliActor(),
    });
    const { batch } = made;
    const secrets = batchSecrets(made);
    secretsOut(secrets.headers, secrets.rows, values.out);
    err(
      `card batch ${batch.id}: ${batch.count} cards of ${formatMoney(batch.value)} ${batch.currency}\n`,
    );
    return 0;
  });
}

async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parse('cards list', argv, { json: { type: 'boolean' } });
  noArguments('cards list', positionals);
  return withStore(async (store) => {
    listBatchesOut(await store.listBatches('card'), values.json);
    return 0;
  });
}

async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parse('cards show', argv, { json: { type: 'boolean' } });
  const id = batchId(positionals[0], 'cards show');
  return withStore(async (store) => {
    const b = await store.batch('card', id);
    if (!b) throw new UsageError(`no card batch ${id}`);
    showBatchOut(b, values.json);
    return 0;
  });
}

async function disable(argv: string[]): Promise<number> {
  const { positionals } = parse('cards disable', argv, {});
  const id = batchId(positionals[0], 'cards disable');
  return withStore(async (store) => {
    await store.disableBatch('card', id, cliActor());
    err(`card batch ${id} disabled: its cards are blocked\n`);
    return 0;
  });
}

export async function run(argv: string[]): Promise<number> {
  return runSubcommand('cards', usage, { generate, list, show, disable }, argv);
}

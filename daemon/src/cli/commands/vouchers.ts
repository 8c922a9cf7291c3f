/**
 * `astbill vouchers generate|list|show|disable|redeem`: batches of single-use refill codes. A
 * code credits its value once, to one account whose currency is the voucher's (API, CLI, or by
 * phone at the voucher access number: docs/cards.md).
 */
import { runSubcommand, UsageError } from '../command.js';
import { amount, integer, noArguments, optionalInteger, parse, required } from '../args.js';
import { withStore } from '../open-store.js';
import { cliActor } from '../actor.js';
import { formatMoney } from '../../rating/index.js';
import { batchId, expiresArg, listBatchesOut, secretsOut, showBatchOut } from '../batch-output.js';
import { err, out } from '../format.js';
import { batchSecrets } from '../../batch-fields.js';

export const summary = 'voucher (refill code) batches and redemption';

export const usage = `usage:
  astbill vouchers generate --count N --value X [--currency C] [--expires DATE]
                            [--prefix NAME] [--code-length L] [--out FILE.csv]
  astbill vouchers list [--json]
  astbill vouchers show BATCH [--json]
  astbill vouchers disable BATCH
  astbill vouchers redeem ACCOUNT CODE
The CSV (code,value,currency,expires,batch) is printed once, or written to --out (mode 0600).`;

async function generate(argv: string[]): Promise<number> {
  const { values, positionals } = parse('vouchers generate', argv, {
    count: { type: 'string' },
    value: { type: 'string' },
    currency: { type: 'string' },
    expires: { type: 'string' },
    prefix: { type: 'string' },
    'code-length': { type: 'string' },
    out: { type: 'string' },
  });
  noArguments('vouchers generate', positionals);
  const count = integer('--count', required('--count', values.count), 1, 10_000);
  const value = amount('--value', values.value, { positive: true });
  return withStore(async (store) => {
    const made = await store.generateVouchers({
      count,
      value,
      currency: values.currency,
      expires: expiresArg(values.expires),
      prefix: values.prefix,
      codeLength: optionalInteger('--code-length', values['code-length'], 1, 20),
      operator: cliActor(),
    });
    const { batch } = made;
    const secrets = batchSecrets(made);
    secretsOut(secrets.headers, secrets.rows, values.out);
    err(
      `voucher batch ${batch.id}: ${batch.count} codes of ${formatMoney(batch.value)} ${batch.currency}\n`,
    );
    return 0;
  });
}

async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parse('vouchers list', argv, { json: { type: 'boolean' } });
  noArguments('vouchers list', positionals);
  return withStore(async (store) => {
    listBatchesOut(await store.listBatches('voucher'), values.json);
    return 0;
  });
}

async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parse('vouchers show', argv, { json: { type: 'boolean' } });
  const id = batchId(positionals[0], 'vouchers show');
  return withStore(async (store) => {
    const b = await store.batch('voucher', id);
    if (!b) throw new UsageError(`no voucher batch ${id}`);
    showBatchOut(b, values.json);
    return 0;
  });
}

async function disable(argv: string[]): Promise<number> {
  const { positionals } = parse('vouchers disable', argv, {});
  const id = batchId(positionals[0], 'vouchers disable');
  return withStore(async (store) => {
    await store.disableBatch('voucher', id, cliActor());
    err(`voucher batch ${id} disabled: its unused codes are refused\n`);
    return 0;
  });
}

async function redeem(argv: string[]): Promise<number> {
  const { positionals } = parse('vouchers redeem', argv, {});
  if (positionals.length !== 2) throw new UsageError('vouchers redeem: give ACCOUNT CODE');
  const [account, code] = positionals as [string, string];
  if (!/^\d{1,20}$/.test(code)) throw new UsageError('vouchers redeem: a code is digits');
  return withStore(async (store) => {
    const r = await store.redeemVoucher(account, code, 'cli', cliActor());
    if (!r.ok) throw new UsageError(`voucher not redeemed: ${r.why}`);
    const what = r.credited ? 'credited' : 'already redeemed by this account: nothing credited';
    out(
      `${account}: ${what} ${formatMoney(r.value)}, balance ${formatMoney(r.entry.balanceAfter)}\n`,
    );
    return 0;
  });
}

export async function run(argv: string[]): Promise<number> {
  return runSubcommand('vouchers', usage, { generate, list, show, disable, redeem }, argv);
}

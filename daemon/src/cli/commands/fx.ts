/**
 * `astbill fx set|list|tariff`: exchange rates with effective times, and the currency a tariff
 * prices in (store/fx.ts). A call on a tariff in another currency than its account is converted
 * at authorisation with the rate in force then; without one it is refused (NOFX).
 */
import { formatFxRate, parseFxRate, type FxRate } from '../../rating/index.js';
import { parseEffective } from '../../rate-deck.js';
import { currencyProblem } from '../../store/fx.js';
import { cliActor } from '../actor.js';
import { UsageError, runSubcommand } from '../command.js';
import { noArguments, parse } from '../args.js';
import { out, table } from '../format.js';
import { withStore } from '../open-store.js';

export const summary = 'exchange rates (with effective times) and the currency of a tariff';

export const usage = `usage:
  astbill fx set BASE QUOTE RATE [--effective DATETIME]   (1 BASE = RATE QUOTE; default: now)
  astbill fx list [--json]
  astbill fx tariff TARIFF CURRENCY|none     (none: the tariff prices in each account's currency)
e.g. astbill fx set USD EUR 0.92 --effective 2026-12-01T00:00Z`;

function currency(what: string, code: string): string {
  const problem = currencyProblem(code);
  if (problem) throw new UsageError(`fx ${what}: ${problem}`);
  return code;
}

async function set(argv: string[]): Promise<number> {
  const { values, positionals } = parse('fx set', argv, { effective: { type: 'string' } });
  if (positionals.length !== 3) throw new UsageError('fx set: give BASE QUOTE RATE');
  const [base, quote, text] = positionals as [string, string, string];
  currency('set', base);
  currency('set', quote);
  if (base === quote) throw new UsageError('fx set: BASE and QUOTE must be different currencies');
  let rate: FxRate;
  try {
    rate = parseFxRate(text);
  } catch (err) {
    throw new UsageError(`fx set: ${(err as Error).message}`);
  }
  let effectiveFrom = new Date();
  if (values.effective !== undefined) {
    try {
      effectiveFrom = parseEffective(values.effective);
    } catch (err) {
      throw new UsageError(`fx set: --effective ${(err as Error).message}`);
    }
  }
  return withStore(async (store) => {
    await store.setFxRate({ base, quote, rate, effectiveFrom }, cliActor());
    out(`1 ${base} = ${formatFxRate(rate)} ${quote} from ${effectiveFrom.toISOString()}\n`);
    return 0;
  });
}

async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parse('fx list', argv, { json: { type: 'boolean' } });
  noArguments('fx list', positionals);
  return withStore(async (store) => {
    const rates = await store.listFxRates();
    const tariffs = await store.listTariffCurrencies();
    if (values.json) {
      out(
        JSON.stringify(
          {
            rates: rates.map((r) => ({
              base: r.base,
              quote: r.quote,
              rate: formatFxRate(r.rate),
              effectiveFrom: r.effectiveFrom.toISOString(),
            })),
            tariffs,
          },
          null,
          2,
        ) + '\n',
      );
      return 0;
    }
    out(
      table(
        ['BASE', 'QUOTE', 'RATE', 'EFFECTIVE'],
        rates.map((r) => [r.base, r.quote, formatFxRate(r.rate), r.effectiveFrom.toISOString()]),
      ),
    );
    if (tariffs.length > 0)
      out(
        '\n' +
          table(
            ['TARIFF', 'CURRENCY'],
            tariffs.map((t) => [t.tariff, t.currency]),
          ),
      );
    return 0;
  });
}

async function tariff(argv: string[]): Promise<number> {
  const { positionals } = parse('fx tariff', argv, {});
  if (positionals.length !== 2) throw new UsageError('fx tariff: give TARIFF CURRENCY (or none)');
  const [name, code] = positionals as [string, string];
  const cur = code === 'none' ? null : currency('tariff', code);
  return withStore(async (store) => {
    await store.setTariffCurrency(name, cur, cliActor());
    out(
      cur
        ? `tariff ${name} prices in ${cur}\n`
        : `tariff ${name} prices in each account's currency\n`,
    );
    return 0;
  });
}

export async function run(argv: string[]): Promise<number> {
  return runSubcommand('fx', usage, { set, list, tariff }, argv);
}

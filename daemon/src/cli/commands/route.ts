/**
 * `astbill route NUMBER [--account A | --tariff T]`: the trunks a call to NUMBER would be
 * offered to, in order, with buy rate, sell rate and margin per minute; trunks the margin guard
 * (ASTBILL_MIN_MARGIN) skips are listed as skipped. The same ranking the call flow applies
 * (session/route-ranking.ts), least-cost ties by recent ASR included.
 */
import { loadConfig } from '../../config.js';
import { rewriteNumber } from '../../rating/index.js';
import { rankRoutes } from '../../session/route-ranking.js';
import { UsageError } from '../command.js';
import { parse } from '../args.js';
import { jsonMoney, out, outList, showMoney } from '../format.js';
import { withStore } from '../open-store.js';

export const summary = 'show the trunks a number is routed over, with buy and sell rates';

export const usage = `usage:
  astbill route NUMBER [--account A | --tariff T] [--json]
        ranked trunks for NUMBER with buy rate, sell rate and margin per minute (tariff: the
        account's, else 'default'); trunks below ASTBILL_MIN_MARGIN are shown as skipped`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('route', argv, {
    account: { type: 'string' },
    tariff: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 1 || !/^\d{1,20}$/.test(positionals[0]!))
    throw new UsageError('usage: astbill route NUMBER (1-20 digits) [--account A | --tariff T]');
  if (values.account && values.tariff)
    throw new UsageError('route: give --account or --tariff, not both');
  const number = positionals[0]!;
  const routing = loadConfig().routing;
  return withStore(async (store) => {
    let tariff = values.tariff ?? 'default';
    if (values.account) {
      const a = await store.accountByName(values.account);
      if (!a) throw new UsageError(`route: no account '${values.account}'`);
      tariff = a.tariff;
    }
    const sell = await store.rateFor(tariff, number);
    if (!sell) {
      out(`tariff ${tariff} has no rate for ${number}: refused (NOROUTE)\n`);
      return 0;
    }
    const found = await store.routeCandidates(tariff, number);
    const { plan } = found;
    if (!found.configured) {
      out(`no trunks configured: ${number} is dialled through ASTBILL_DIAL\n`);
      return 0;
    }
    const ranked = await rankRoutes(store, routing, found, sell, new Date());
    if (!values.json)
      out(
        `${number} on tariff ${tariff} (${plan.mode}): sell ${showMoney(sell.ratePerMin)}/min (prefix ${sell.prefix})\n`,
      );
    let n = 0;
    outList(ranked, {
      asJson: values.json,
      toJson: (r) => ({
        trunk: r.trunk.name,
        prefix: r.buy.prefix,
        buyPerMin: jsonMoney(r.buy.ratePerMin),
        sellPerMin: jsonMoney(sell.ratePerMin),
        marginPerMin: jsonMoney(r.minuteMargin),
        sentAs: rewriteNumber(r.trunk, number),
        profitable: r.profitable,
      }),
      headers: ['#', 'TRUNK', 'PREFIX', 'BUY/MIN', 'SELL/MIN', 'MARGIN/MIN', 'SENT AS'],
      toRow: (r) => [
        r.profitable ? String(++n) : 'skip',
        r.trunk.name,
        r.buy.prefix,
        showMoney(r.buy.ratePerMin),
        showMoney(sell.ratePerMin),
        showMoney(r.minuteMargin),
        rewriteNumber(r.trunk, number),
      ],
    });
    if (!values.json && !ranked.some((r) => r.profitable))
      out(
        ranked.length
          ? 'no profitable trunk: the call is refused (LOSS)\n'
          : 'no trunk carries it: refused (NOROUTE)\n',
      );
    return 0;
  });
}

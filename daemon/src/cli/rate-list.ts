/**
 * One listing of rates for `astbill rate list` (sell rates, by tariff) and `astbill trunk rates
 * list` (a carrier's buy rates): the same fields, named for their owner ('tariff' or 'trunk').
 */
import type { Rate } from '../rating/index.js';
import { jsonMoney, outList, showMoney } from './format.js';

export function outRates(
  rates: readonly Rate[],
  opts: { asJson: boolean | undefined; owner: 'tariff' | 'trunk'; ownerColumn: boolean },
): void {
  outList(rates, {
    asJson: opts.asJson,
    toJson: (r) => ({
      [opts.owner]: r.tariff,
      prefix: r.prefix,
      description: r.description,
      ratePerMin: jsonMoney(r.ratePerMin),
      connectFee: jsonMoney(r.connectFee),
      initialSecs: r.initialSecs,
      incrementSecs: r.incrementSecs,
      minSecs: r.minSecs,
    }),
    headers: [
      ...(opts.ownerColumn ? [opts.owner.toUpperCase()] : []),
      'PREFIX',
      'PER MIN',
      'CONNECT',
      'BLOCKS',
      'MIN',
      'DESCRIPTION',
    ],
    toRow: (r) => [
      ...(opts.ownerColumn ? [r.tariff] : []),
      r.prefix,
      showMoney(r.ratePerMin),
      showMoney(r.connectFee),
      `${r.initialSecs}/${r.incrementSecs}`,
      r.minSecs,
      r.description,
    ],
  });
}

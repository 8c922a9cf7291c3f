/** /fx: the exchange rates with their effective times, and the tariffs' currencies (store/fx.ts). */
import { formatFxRate } from '../../rating/index.js';
import type { ApiDeps } from '../deps.js';
import { Type } from '../../schema/index.js';
import { defineRoute, type Route } from '../route.js';
import { currencySchema as currency } from '../schema.js';

const fxRateSchema = Type.Object(
  {
    base: currency('ISO 4217 code: 1 of it ='),
    quote: currency('ISO 4217 code: rate of it'),
    rate: Type.String({
      pattern: '^\\d{1,12}(\\.\\d{1,12})?$',
      description: 'exact decimal, as it was set',
    }),
    effectiveFrom: Type.String({
      format: 'date-time',
      description: 'calls authorised from then on use it, until a later one of the pair',
    }),
  },
  { additionalProperties: false },
);

const tariffCurrencySchema = Type.Object(
  {
    tariff: Type.String(),
    currency: currency("the tariff's prices are in it (a tariff not listed: the account's)"),
  },
  { additionalProperties: false },
);

export function fxRoutes(deps: ApiDeps): Route[] {
  const { store } = deps;
  return [
    defineRoute({
      method: 'GET',
      path: '/fx',
      operationId: 'listFxRates',
      summary: 'List exchange rates by pair and effective time, and the tariffs with a currency',
      tag: 'rates',
      responses: {
        200: {
          description: 'the rates and the tariff currencies',
          schema: Type.Object(
            { rates: Type.Array(fxRateSchema), tariffs: Type.Array(tariffCurrencySchema) },
            { additionalProperties: false },
          ),
        },
      },
      async handler() {
        const rates = await store.listFxRates();
        return {
          json: {
            rates: rates.map((r) => ({
              base: r.base,
              quote: r.quote,
              rate: formatFxRate(r.rate),
              effectiveFrom: r.effectiveFrom.toISOString(),
            })),
            tariffs: await store.listTariffCurrencies(),
          },
        };
      },
    }),
  ];
}

/** /rates: list and upsert tariff rates. */
import type { Rate } from '../../rating/index.js';
import type { ApiDeps } from '../deps.js';
import { moneyParam } from '../params.js';
import { presentRate, rateSchema } from '../present.js';
import { Type } from '../../schema/index.js';
import { defineRoute, type Route } from '../route.js';
import { moneySchema } from '../schema.js';

const seconds = (description: string, minimum: number) =>
  Type.Optional(Type.Integer({ minimum, maximum: 86_400, description }));

const rateInputSchema = Type.Object(
  {
    tariff: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_.-]{1,40}$',
        description: "tariff name, default 'default'",
      }),
    ),
    prefix: Type.String({ pattern: '^\\d{1,20}$', description: 'destination prefix, 1-20 digits' }),
    description: Type.Optional(
      Type.String({ maxLength: 120, description: 'e.g. the country or network' }),
    ),
    ratePerMin: moneySchema('price of 60 billed seconds, >= 0'),
    connectFee: Type.Optional(moneySchema('charged once per answered call, default 0')),
    initialSecs: seconds('first billing block in seconds, default 60', 1),
    incrementSecs: seconds('each further block in seconds, default 60', 1),
    minSecs: seconds('minimum billed seconds, default 0', 0),
  },
  { additionalProperties: false },
);

export const MAX_RATES_PER_REQUEST = 10_000;

export function rateRoutes(deps: ApiDeps): Route[] {
  const { store } = deps;
  return [
    defineRoute({
      method: 'GET',
      path: '/rates',
      operationId: 'listRates',
      summary: 'List rates, by tariff and prefix',
      tag: 'rates',
      query: Type.Object(
        {
          tariff: Type.Optional(
            Type.String({ pattern: '^[A-Za-z0-9_.-]{1,40}$', description: 'only this tariff' }),
          ),
        },
        { additionalProperties: false },
      ),
      responses: {
        200: { description: 'the rates', schema: Type.Object({ rates: Type.Array(rateSchema) }) },
      },
      async handler({ query }) {
        return { json: { rates: (await store.listRates(query.tariff)).map(presentRate) } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/rates',
      operationId: 'upsertRates',
      summary:
        'Add rates, or replace the rate of an existing (tariff, prefix); all or none in one transaction',
      tag: 'rates',
      body: Type.Object(
        { rates: Type.Array(rateInputSchema, { maxItems: MAX_RATES_PER_REQUEST }) },
        { additionalProperties: false },
      ),
      responses: {
        200: {
          description: 'how many rates were inserted and how many replaced',
          schema: Type.Object({ inserted: Type.Integer(), updated: Type.Integer() }),
        },
      },
      async handler({ body, principal }) {
        const rates: Rate[] = body.rates.map((r, i) => ({
          tariff: r.tariff ?? 'default',
          prefix: r.prefix,
          description: r.description ?? '',
          ratePerMin: moneyParam(`rates[${i}].ratePerMin`, r.ratePerMin),
          connectFee:
            r.connectFee !== undefined ? moneyParam(`rates[${i}].connectFee`, r.connectFee) : 0n,
          initialSecs: r.initialSecs ?? 60,
          incrementSecs: r.incrementSecs ?? 60,
          minSecs: r.minSecs ?? 0,
        }));
        return { json: await store.upsertRates(rates, principal.actor) };
      },
    }),
  ];
}

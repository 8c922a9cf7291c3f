/** /rates: list and upsert tariff rates. */
import type { Rate } from '../../rating/index.js';
import type { ApiDeps } from '../deps.js';
import { moneyParam } from '../params.js';
import { presentRate, rateSchema } from '../present.js';
import type { Route } from '../route.js';
import { moneySchema, type ObjectSchema } from '../schema.js';

interface RateBody {
  tariff?: string;
  prefix: string;
  description?: string;
  ratePerMin: string;
  connectFee?: string;
  initialSecs?: number;
  incrementSecs?: number;
  minSecs?: number;
}

const seconds = (description: string, minimum: number) => ({
  type: 'integer' as const,
  minimum,
  maximum: 86_400,
  description,
});

const rateInputSchema: ObjectSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['prefix', 'ratePerMin'],
  properties: {
    tariff: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.-]{1,40}$',
      description: "tariff name, default 'default'",
    },
    prefix: {
      type: 'string',
      pattern: '^\\d{1,20}$',
      description: 'destination prefix, 1-20 digits',
    },
    description: { type: 'string', maxLength: 120, description: 'e.g. the country or network' },
    ratePerMin: moneySchema('price of 60 billed seconds, >= 0'),
    connectFee: moneySchema('charged once per answered call, default 0'),
    initialSecs: seconds('first billing block in seconds, default 60', 1),
    incrementSecs: seconds('each further block in seconds, default 60', 1),
    minSecs: seconds('minimum billed seconds, default 0', 0),
  },
};

export const MAX_RATES_PER_REQUEST = 10_000;

export function rateRoutes(deps: ApiDeps): Route[] {
  const { store } = deps;
  return [
    {
      method: 'GET',
      path: '/rates',
      operationId: 'listRates',
      summary: 'List rates, by tariff and prefix',
      tag: 'rates',
      query: {
        type: 'object',
        additionalProperties: false,
        properties: {
          tariff: {
            type: 'string',
            pattern: '^[A-Za-z0-9_.-]{1,40}$',
            description: 'only this tariff',
          },
        },
      },
      responses: {
        200: {
          description: 'the rates',
          schema: {
            type: 'object',
            properties: { rates: { type: 'array', items: rateSchema } },
            required: ['rates'],
          },
        },
      },
      async handler({ query }) {
        return { json: { rates: (await store.listRates(query.tariff)).map(presentRate) } };
      },
    },
    {
      method: 'POST',
      path: '/rates',
      operationId: 'upsertRates',
      summary:
        'Add rates, or replace the rate of an existing (tariff, prefix); all or none in one transaction',
      tag: 'rates',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['rates'],
        properties: {
          rates: { type: 'array', maxItems: MAX_RATES_PER_REQUEST, items: rateInputSchema },
        },
      },
      responses: {
        200: {
          description: 'how many rates were inserted and how many replaced',
          schema: {
            type: 'object',
            properties: { inserted: { type: 'integer' }, updated: { type: 'integer' } },
            required: ['inserted', 'updated'],
          },
        },
      },
      async handler({ body }) {
        const items = (body as { rates: RateBody[] }).rates;
        const rates: Rate[] = items.map((r, i) => ({
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
        return { json: await store.upsertRates(rates) };
      },
    },
  ];
}

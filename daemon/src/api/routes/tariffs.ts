/** /tariffs/{name}/bands: a tariff's time bands (store/bands.ts; `astbill band list`). */
import { Nullable, Type } from '../../schema/index.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../http-error.js';
import { defineRoute, type Route } from '../route.js';

const tariffName = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,40}$', description: 'tariff name' });

const minute = (description: string, minimum: number, maximum: number) =>
  Type.Integer({ minimum, maximum, description });

const bandSchema = Type.Object(
  {
    name: Type.String({ description: "what the CDR's band_split calls it" }),
    days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
      description: 'ISO weekdays: 1 = Monday … 7 = Sunday',
    }),
    from: minute('local minute of the day the window opens', 0, 1439),
    to: minute('local minute of the day it closes (exclusive)', 1, 1440),
    bandTariff: Type.String({ description: "the tariff (rate deck) the band's prices come from" }),
  },
  { additionalProperties: false },
);

const tariffBandsSchema = Type.Object(
  {
    tariff: tariffName,
    zone: Nullable(Type.String({ description: 'IANA time zone of the windows; null: no bands' })),
    bands: Type.Array(bandSchema, {
      description: 'tried in order, the first that holds the call instant applies; none: base rate',
    }),
  },
  { additionalProperties: false },
);

export function tariffRoutes(deps: ApiDeps): Route[] {
  const { store } = deps;
  return [
    defineRoute({
      method: 'GET',
      path: '/tariffs/{name}/bands',
      operationId: 'getTariffBands',
      summary: "A tariff's time bands (empty when it prices every call at its base rates)",
      tag: 'rates',
      params: { name: tariffName },
      responses: { 200: { description: 'the bands', schema: tariffBandsSchema } },
      async handler({ params }) {
        const [set] = await store.listBands(params.name);
        if (!set && !(await store.tariffExists(params.name)))
          throw notFound(`no tariff '${params.name}'`);
        return {
          json: { tariff: params.name, zone: set?.zone ?? null, bands: set?.bands ?? [] },
        };
      },
    }),
  ];
}

/** /trunks: the carriers calls are routed over (list, add, enable, disable). */
import { formatMoney } from '../../rating/index.js';
import { trunkFields } from '../../trunk-fields.js';
import { badRequest } from '../http-error.js';
import { moneySchema } from '../schema.js';
import { Nullable, Type } from '../../schema/index.js';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type Route } from '../route.js';

const NAME = '^[A-Za-z0-9_.-]{1,40}$';

export const trunkSchema = Type.Object(
  {
    name: Type.String({ description: 'trunk name' }),
    dial: Type.String({
      description: 'dial template with {number}, e.g. PJSIP/{number}@carrier-a',
    }),
    stripDigits: Type.Integer({ description: 'leading digits removed before sending' }),
    techPrefix: Type.String({ description: 'digits put in front after stripping' }),
    maxChannels: Nullable(
      Type.Integer({ description: 'concurrent calls across all daemons; null: no limit' }),
    ),
    enabled: Type.Boolean(),
  },
  { additionalProperties: false },
);

const newTrunkSchema = Type.Object(
  {
    name: Type.String({ pattern: NAME, description: 'trunk name' }),
    dial: Type.String({ maxLength: 200, description: 'dial template; must contain {number}' }),
    stripDigits: Type.Optional(Type.Integer({ minimum: 0, maximum: 20, description: 'default 0' })),
    techPrefix: Type.Optional(
      Type.String({ pattern: '^[0-9*#+]{0,20}$', description: "default ''" }),
    ),
    maxChannels: Type.Optional(
      Nullable(Type.Integer({ minimum: 1, maximum: 100_000, description: 'default: no limit' })),
    ),
    enabled: Type.Optional(Type.Boolean({ description: 'default true' })),
  },
  { additionalProperties: false },
);

const trunkDaySchema = Type.Object(
  {
    day: Type.String({ description: 'UTC day, YYYY-MM-DD' }),
    trunk: Type.String(),
    currency: Type.String({
      description: 'ISO code of buy, sell and margin (the tariff’s for converted calls)',
    }),
    attempts: Type.Integer(),
    answered: Type.Integer(),
    asrPercent: Nullable(Type.Integer({ description: 'answered / attempts, whole percent' })),
    acdSeconds: Nullable(Type.Integer({ description: 'mean billed seconds of answered calls' })),
    billsec: Type.Integer({ description: 'billed seconds of the settled answered calls' }),
    buy: moneySchema('what the carrier charges'),
    sell: moneySchema('what the calls were sold for'),
    margin: moneySchema('sell - buy'),
  },
  { additionalProperties: false },
);

export function trunkRoutes(deps: ApiDeps): Route[] {
  const { store } = deps;
  return [
    defineRoute({
      method: 'GET',
      path: '/trunks/report',
      operationId: 'trunkReport',
      summary: 'Per trunk and UTC day: attempts, answered, ASR, ACD, minutes, buy, sell, margin',
      tag: 'trunks',
      query: Type.Object(
        {
          day: Type.Optional(
            Type.String({
              pattern: '^\\d{4}-\\d{2}-\\d{2}$',
              description: 'first day; default today',
            }),
          ),
          days: Type.Optional(
            Type.String({ pattern: '^\\d{1,3}$', description: 'how many days, 1-366 (default 1)' }),
          ),
        },
        { additionalProperties: false },
      ),
      responses: {
        200: {
          description: 'one row per trunk and day with attempts',
          schema: Type.Object({ days: Type.Array(trunkDaySchema) }),
        },
      },
      async handler({ query }) {
        const day = query.day ?? new Date().toISOString().slice(0, 10);
        const from = new Date(`${day}T00:00:00.000Z`);
        if (Number.isNaN(from.getTime())) throw badRequest(`day '${day}' is not a day`);
        const days = query.days !== undefined ? Number(query.days) : 1;
        if (days < 1 || days > 366) throw badRequest(`'days' must be 1..366`);
        const to = new Date(from.getTime() + days * 86_400_000);
        const rows = await store.trunkReport(from, to);
        return {
          json: {
            days: rows.map((d) => ({
              ...d,
              buy: formatMoney(d.buy),
              sell: formatMoney(d.sell),
              margin: formatMoney(d.margin),
            })),
          },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/trunks',
      operationId: 'listTrunks',
      summary: 'List the carrier trunks, by name',
      tag: 'trunks',
      responses: {
        200: {
          description: 'the trunks',
          schema: Type.Object({ trunks: Type.Array(trunkSchema) }),
        },
      },
      async handler() {
        return { json: { trunks: (await store.listTrunks()).map(trunkFields) } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/trunks',
      operationId: 'createTrunk',
      summary: 'Add a carrier trunk (a dial template without {number} is refused)',
      tag: 'trunks',
      body: newTrunkSchema,
      responses: { 201: { description: 'the trunk as created', schema: trunkSchema } },
      async handler({ body: b, principal }) {
        const t = await store.addTrunk(
          {
            name: b.name,
            dial: b.dial,
            stripDigits: b.stripDigits ?? 0,
            techPrefix: b.techPrefix ?? '',
            maxChannels: b.maxChannels ?? null,
            enabled: b.enabled ?? true,
          },
          principal.actor,
        );
        return {
          status: 201,
          json: trunkFields(t),
          headers: { location: `/trunks/${encodeURIComponent(t.name)}` },
        };
      },
    }),
    ...(['enable', 'disable'] as const).map((action) =>
      defineRoute({
        method: 'POST',
        path: `/trunks/{name}/${action}`,
        operationId: `${action}Trunk`,
        summary:
          action === 'enable'
            ? 'Enable a trunk: new calls may be routed over it'
            : 'Disable a trunk: new calls are not routed over it (calls on it go on)',
        tag: 'trunks',
        params: { name: Type.String({ pattern: NAME, description: 'trunk name' }) },
        responses: { 200: { description: 'the trunk after the change', schema: trunkSchema } },
        async handler({ params, principal }) {
          const enabled = action === 'enable';
          return {
            json: trunkFields(await store.setTrunkEnabled(params.name, enabled, principal.actor)),
          };
        },
      }),
    ),
  ];
}

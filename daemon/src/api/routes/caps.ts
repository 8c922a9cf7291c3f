/** /accounts/{name}/caps: an account's spend caps (enforced by the authorise transaction). */
import type { Money, SpendCaps } from '../../rating/index.js';
import { capsFields } from '../../caps-fields.js';
import { Nullable, Type } from '../../schema/index.js';
import type { ApiDeps } from '../deps.js';
import { badRequest, notFound } from '../http-error.js';
import { moneyParam } from '../params.js';
import { money } from '../present.js';
import { defineRoute, type Route } from '../route.js';
import { moneySchema } from '../schema.js';

const nameParam = {
  name: Type.String({ pattern: '^[A-Za-z0-9_.@+-]{1,80}$', description: 'account name' }),
};

const capFields = {
  day: Nullable(moneySchema('most the account may spend per UTC day (settled + reserved)')),
  month: Nullable(moneySchema('most per UTC month')),
  perCall: Nullable(moneySchema('most one call may cost')),
  perMinute: Nullable(
    Type.Integer({ minimum: 1, maximum: 100_000, description: 'calls authorised per 60 s' }),
  ),
  lowBalance: Nullable(moneySchema('an event when a settlement takes the balance below this')),
  largeTopup: Nullable(moneySchema('an event for a top-up of at least this much')),
  burstMinutes: Nullable(
    Type.Integer({ minimum: 1, maximum: 1440, description: 'anomaly stop: the burst window' }),
  ),
  burstSpend: Nullable(
    moneySchema('anomaly stop: block when calls ended in the window cost more than this'),
  ),
  blockedDestPerMinute: Nullable(
    Type.Integer({
      minimum: 1,
      maximum: 100_000,
      description: 'anomaly stop: block after this many BLOCKEDDEST refusals within 60 s',
    }),
  ),
  concurrent: Nullable(
    Type.Integer({
      minimum: 1,
      maximum: 100_000,
      description: 'anomaly stop: block when a call would make more live calls than this',
    }),
  ),
};

const capsSchema = Type.Object(capFields, {
  additionalProperties: false,
  description: 'null: no cap',
});

const capsPatchSchema = Type.Object(
  {
    day: Type.Optional(capFields.day),
    month: Type.Optional(capFields.month),
    perCall: Type.Optional(capFields.perCall),
    perMinute: Type.Optional(capFields.perMinute),
    lowBalance: Type.Optional(capFields.lowBalance),
    largeTopup: Type.Optional(capFields.largeTopup),
    burstMinutes: Type.Optional(capFields.burstMinutes),
    burstSpend: Type.Optional(capFields.burstSpend),
    blockedDestPerMinute: Type.Optional(capFields.blockedDestPerMinute),
    concurrent: Type.Optional(capFields.concurrent),
  },
  { additionalProperties: false, description: 'only the caps given change; null clears one' },
);

function positive(name: string, text: string | null | undefined): Money | null | undefined {
  if (text === undefined || text === null) return text;
  const v = moneyParam(name, text);
  if (v <= 0n) throw badRequest(`'${name}' must be > 0`);
  return v;
}

export function capsRoutes(deps: ApiDeps): Route[] {
  const { store } = deps;
  return [
    defineRoute({
      method: 'GET',
      path: '/accounts/{name}/caps',
      operationId: 'getCaps',
      summary: "An account's spend caps",
      tag: 'accounts',
      params: nameParam,
      responses: { 200: { description: 'the caps', schema: capsSchema } },
      async handler({ params }) {
        const c = await store.caps(params.name);
        if (!c) throw notFound(`no account '${params.name}'`);
        return { json: capsFields(c, money) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/accounts/{name}/caps',
      operationId: 'setCaps',
      summary:
        "Change an account's spend caps (calls that would cross one are refused or cut at it)",
      tag: 'accounts',
      params: nameParam,
      body: capsPatchSchema,
      responses: { 200: { description: 'all the caps after the change', schema: capsSchema } },
      async handler({ params, body, principal }) {
        const patch: Partial<SpendCaps> = {};
        const day = positive('day', body.day);
        const month = positive('month', body.month);
        const perCall = positive('perCall', body.perCall);
        if (day !== undefined) patch.dayMax = day;
        if (month !== undefined) patch.monthMax = month;
        if (perCall !== undefined) patch.callMax = perCall;
        if (body.perMinute !== undefined) patch.callsPerMin = body.perMinute;
        const low = positive('lowBalance', body.lowBalance);
        const large = positive('largeTopup', body.largeTopup);
        if (low !== undefined) patch.lowBalance = low;
        if (large !== undefined) patch.largeTopup = large;
        const burst = positive('burstSpend', body.burstSpend);
        if (burst !== undefined) patch.burstSpend = burst;
        if (body.burstMinutes !== undefined) patch.burstMinutes = body.burstMinutes;
        if (body.blockedDestPerMinute !== undefined)
          patch.blockedDestPerMin = body.blockedDestPerMinute;
        if (body.concurrent !== undefined) patch.concurrentMax = body.concurrent;
        return {
          json: capsFields(await store.setCaps(params.name, patch, principal.actor), money),
        };
      },
    }),
  ];
}

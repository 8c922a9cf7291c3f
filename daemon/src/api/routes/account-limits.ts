/**
 * /accounts/{name}/limits and /accounts/{name}/callerids: an account's credit limit, call limit
 * and longest call, and the caller IDs that identify it. Both audited (store/account-limits.ts).
 *
 * Roles, as billing back offices split them: a limit decides how much credit the operator
 * extends and how much traffic it risks, so it is an admin's (like adjustments and spend caps);
 * caller IDs are the customer's identification, kept current by the help desk like a PIN reset,
 * so support may change them.
 */
import { Type } from '../../schema/index.js';
import type { ApiDeps } from '../deps.js';
import { moneyParam } from '../params.js';
import { accountSchema, presentAccount } from '../present.js';
import { defineRoute, type Route } from '../route.js';
import { moneySchema } from '../schema.js';
import { maxCallSecondsSchema, maxCallsSchema } from './accounts.js';

const nameParam = {
  name: Type.String({ pattern: '^[A-Za-z0-9_.@+-]{1,80}$', description: 'account name' }),
};

const callerId = Type.String({ pattern: '^\\+?\\d{1,39}$', description: 'caller ID number' });

const limitsSchema = Type.Object(
  {
    creditLimit: Type.Optional(
      moneySchema('how far the balance may go below zero (≥ 0); calls in progress keep theirs'),
    ),
    maxCalls: Type.Optional(maxCallsSchema),
    maxCallSeconds: Type.Optional(maxCallSecondsSchema),
  },
  { additionalProperties: false, description: 'only the limits given change' },
);

export function accountLimitRoutes(deps: ApiDeps): Route[] {
  const { store } = deps;
  const account = async (name: string) => presentAccount((await store.accountDetails(name))!);
  return [
    defineRoute({
      method: 'POST',
      path: '/accounts/{name}/limits',
      operationId: 'setLimits',
      summary: "Change an account's credit limit, simultaneous calls or longest call",
      tag: 'accounts',
      params: nameParam,
      body: limitsSchema,
      role: 'admin',
      responses: { 200: { description: 'the account after the change', schema: accountSchema } },
      async handler({ params, body, principal }) {
        await store.setLimits(
          params.name,
          {
            creditLimit:
              body.creditLimit === undefined
                ? undefined
                : moneyParam('creditLimit', body.creditLimit),
            maxCalls: body.maxCalls,
            maxSeconds: body.maxCallSeconds,
          },
          principal.actor,
        );
        return { json: await account(params.name) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/accounts/{name}/callerids',
      operationId: 'changeCallerIds',
      summary: 'Add and remove caller IDs that identify an account (all or none)',
      tag: 'accounts',
      params: nameParam,
      role: 'support',
      body: Type.Object(
        {
          add: Type.Optional(Type.Array(callerId, { maxItems: 100 })),
          remove: Type.Optional(Type.Array(callerId, { maxItems: 100 })),
        },
        { additionalProperties: false },
      ),
      responses: { 200: { description: 'the account after the change', schema: accountSchema } },
      async handler({ params, body, principal }) {
        await store.changeCallerIds(params.name, body, principal.actor);
        return { json: await account(params.name) };
      },
    }),
  ];
}

/** /dest-rules: allow / deny destination prefixes per tariff or account (refused BLOCKEDDEST). */
import { StringEnum, Type } from '../../schema/index.js';
import type { ApiDeps } from '../deps.js';
import { defineRoute, type Route } from '../route.js';

const scope = StringEnum(['tariff', 'account'] as const, {
  description: "'tariff': owner is a tariff name; 'account': an account name",
});
const owner = Type.String({ pattern: '^[A-Za-z0-9_.@+-]{1,80}$' });
const prefix = Type.String({ pattern: '^\\d{1,40}$' });

const ruleSchema = Type.Object(
  { scope, owner, prefix, action: StringEnum(['allow', 'deny'] as const) },
  { additionalProperties: false },
);

export function destRuleRoutes(deps: ApiDeps): Route[] {
  const { store } = deps;
  return [
    defineRoute({
      method: 'GET',
      path: '/dest-rules',
      operationId: 'listDestRules',
      summary: 'Destination prefix rules, optionally of one tariff or account',
      tag: 'accounts',
      query: Type.Object({ scope: Type.Optional(scope), owner: Type.Optional(owner) }),
      responses: {
        200: { description: 'the rules', schema: Type.Object({ rules: Type.Array(ruleSchema) }) },
      },
      async handler({ query }) {
        const filter = {
          ...(query.scope ? { scope: query.scope } : {}),
          ...(query.owner ? { owner: query.owner } : {}),
        };
        return { json: { rules: await store.listDestRules(filter) } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/dest-rules',
      operationId: 'setDestRules',
      summary: "Allow, deny or remove prefixes of a tariff or an account (the account's rules win)",
      tag: 'accounts',
      body: Type.Object(
        {
          scope,
          owner,
          prefixes: Type.Array(prefix, { minItems: 1, maxItems: 10_000 }),
          action: StringEnum(['allow', 'deny', 'remove'] as const),
        },
        { additionalProperties: false },
      ),
      responses: {
        200: {
          description: 'how many rules changed',
          schema: Type.Object({ changed: Type.Integer() }),
        },
      },
      async handler({ body, principal }) {
        const action = body.action === 'remove' ? null : body.action;
        return {
          json: {
            changed: await store.setDestRules(
              body.scope,
              body.owner,
              body.prefixes,
              action,
              principal.actor,
            ),
          },
        };
      },
    }),
  ];
}

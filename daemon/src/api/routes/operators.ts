/**
 * Operator logins for the console (POST /login, GET /session, POST /logout) and the audit trail
 * (GET /audit). The session cookie is HttpOnly and SameSite=Strict; the CSRF token the login
 * returns must come back in X-CSRF-Token on every POST made with the cookie (principal.ts).
 */
import { ROLES } from '../../domain/roles.js';
import { Nullable, StringEnum, Type } from '../../schema/index.js';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../http-error.js';
import { SESSION_COOKIE } from '../principal.js';
import { defineRoute, type Route } from '../route.js';
import type { OperatorStore } from '../../store/operators/index.js';

const roleSchema = StringEnum(ROLES, {
  description: 'read-only < support (top up, block, PIN reset, caller IDs) < admin (everything)',
});

const sessionSchema = Type.Object(
  {
    name: Nullable(Type.String({ description: 'operator name (null for ASTBILL_API_TOKEN)' })),
    role: roleSchema,
    csrf: Nullable(
      Type.String({ description: 'send it as X-CSRF-Token on every POST made with the cookie' }),
    ),
  },
  { additionalProperties: false },
);

const stateSchema = Nullable(
  Type.String({ description: 'the state as JSON text (money as decimal strings); null: none' }),
);
const stateText = (v: unknown) => (v === null ? null : JSON.stringify(v));

const auditSchema = Type.Object(
  {
    id: Type.Integer(),
    at: Type.String({ format: 'date-time' }),
    actor: Type.String({
      description: "'user:NAME', 'token:LABEL (NAME)', 'api-token', 'cli:USER'",
    }),
    action: Type.String({ description: "e.g. 'topup', 'block', 'rates.import', 'pin.reset'" }),
    target: Type.String({ description: "e.g. 'account:alice', 'tariff:default'" }),
    before: stateSchema,
    after: stateSchema,
  },
  { additionalProperties: false },
);

function needOperators(ops: OperatorStore | undefined): OperatorStore {
  if (!ops) throw new HttpError(503, 'operator logins are not available on this server');
  return ops;
}

const cookie = (value: string, maxAge: number) =>
  `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}`;

export function operatorRoutes(deps: ApiDeps): Route[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/login',
      operationId: 'login',
      summary: 'Log in as an operator: sets the session cookie, returns the CSRF token',
      description:
        'After 5 failed logins for a name (or 20 from one address) within 15 minutes, logins are refused with 429 without checking the password.',
      tag: 'operators',
      role: 'public',
      body: Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 64 }),
          password: Type.String({ minLength: 1, maxLength: 1024 }),
        },
        { additionalProperties: false },
      ),
      responses: { 200: { description: 'logged in', schema: sessionSchema } },
      async handler({ body, raw }) {
        const ops = needOperators(deps.operators);
        const client = raw.socket.remoteAddress ?? 'unknown';
        const r = await ops.login(body.name, body.password, client);
        if (!r.ok && r.throttled)
          throw new HttpError(429, 'too many failed logins: wait 15 minutes', {
            'retry-after': '900',
          });
        if (!r.ok) throw new HttpError(401, 'wrong name or password');
        deps.log?.info('operator logged in', { operator: r.operator.name, client });
        const maxAge = Math.round((r.expires.getTime() - Date.now()) / 1000);
        return {
          json: { name: r.operator.name, role: r.operator.role, csrf: r.csrf },
          headers: { 'set-cookie': cookie(r.cookie, maxAge) },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/session',
      operationId: 'getSession',
      summary: 'Who is logged in, with the CSRF token of the session',
      tag: 'operators',
      responses: { 200: { description: 'the caller', schema: sessionSchema } },
      async handler({ principal: p }) {
        return { json: { name: p.operator, role: p.role!, csrf: p.csrf ?? null } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/logout',
      operationId: 'logout',
      summary: 'End the console session',
      tag: 'operators',
      role: 'read-only',
      responses: { 204: { description: 'logged out' } },
      async handler({ principal: p }) {
        if (p.cookie) await needOperators(deps.operators).logout(p.cookie);
        return { status: 204, headers: { 'set-cookie': cookie('', 0) } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/audit',
      operationId: 'listAudit',
      summary: 'The audit trail: changes to money and accounts, newest first',
      tag: 'operators',
      role: 'support',
      query: Type.Object(
        {
          target: Type.Optional(
            Type.String({ maxLength: 120, description: "e.g. 'account:alice'" }),
          ),
          actor: Type.Optional(Type.String({ maxLength: 120 })),
          limit: Type.Optional(
            Type.String({ pattern: '^[0-9]{1,4}$', description: 'default 200' }),
          ),
        },
        { additionalProperties: false },
      ),
      responses: {
        200: {
          description: 'audit entries',
          schema: Type.Object({ entries: Type.Array(auditSchema) }),
        },
      },
      async handler({ query }) {
        const entries = await needOperators(deps.operators).audit({
          target: query.target,
          actor: query.actor,
          limit: query.limit !== undefined ? Number(query.limit) : undefined,
        });
        return {
          json: {
            entries: entries.map((e) => ({
              ...e,
              at: e.at.toISOString(),
              before: stateText(e.before),
              after: stateText(e.after),
            })),
          },
        };
      },
    }),
  ];
}

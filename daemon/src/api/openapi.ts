/**
 * Builds the OpenAPI 3.0 document from the route table: the same objects the router validates
 * requests with, so the description is exactly what the server accepts.
 */
import type { TSchema } from '../schema/index.js';
import { requiredRole, type Route } from './route.js';

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'string', description: 'what was wrong, in one sentence' } },
  required: ['error'],
};

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/**
 * Our TypeBox schemas are already OpenAPI 3.0 schemas (see schema/builders.ts); a JSON round
 * trip drops TypeBox's symbol keys and leaves the plain document.
 */
function toOpenApiSchema(s: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(s)) as Record<string, unknown>;
}

export function buildOpenApi(routes: readonly Route[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const parameters: unknown[] = [];
    for (const [name, schema] of Object.entries(r.params ?? {})) {
      parameters.push({
        name,
        in: 'path',
        required: true,
        description: schema.description,
        schema: toOpenApiSchema(schema),
      });
    }
    for (const [name, schema] of Object.entries(r.query?.properties ?? {})) {
      parameters.push({
        name,
        in: 'query',
        required: r.query?.required?.includes(name) ?? false,
        description: schema.description,
        schema: toOpenApiSchema(schema),
      });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, doc] of Object.entries(r.responses)) {
      const type = doc.contentType ?? 'application/json';
      const content: Record<string, unknown> = {};
      if (doc.schema || type !== 'application/json')
        content[type] = doc.schema ? { schema: toOpenApiSchema(doc.schema) } : {};
      for (const other of doc.alsoAs ?? []) content[other] = {};
      responses[status] = {
        description: doc.description,
        ...(Object.keys(content).length > 0 ? { content } : {}),
      };
    }
    if (r.params || r.query || r.body)
      responses['400'] = errorResponse('invalid input (the message names the field)');
    responses['401'] = errorResponse('missing or wrong bearer token');
    const role = requiredRole(r);
    if (role !== 'public' && role !== 'signature')
      responses['403'] = errorResponse(
        `needs the ${role} role (or a cookie request lacks its X-CSRF-Token header)`,
      );
    if (r.params) responses['404'] = errorResponse('no such account or call');
    if (r.method === 'POST')
      responses['409'] = errorResponse(
        'conflicts with existing data (duplicate name, PIN, ANI or reference; call on another node)',
      );
    if (r.body) responses['415'] = errorResponse('the body is not sent as application/json');
    if (!responses['503']) responses['503'] = errorResponse('the database is unavailable');
    responses['500'] = errorResponse('unexpected error (details in the daemon log)');
    const op: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      'x-required-role': role,
      responses,
    };
    if (r.description) op.description = r.description;
    if (r.signedBody) {
      // Signed over the raw body instead of the bearer token (POST /payments).
      op.security = [];
      responses['400'] = errorResponse('invalid body (the message names the field)');
      responses['401'] = errorResponse(
        'missing or wrong signature, or timestamp outside the window',
      );
      responses['404'] = errorResponse('no such account, or payments not configured');
      responses['422'] = errorResponse("the currency is not the account's");
    }
    if (parameters.length > 0) op.parameters = parameters;
    if (r.body)
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: toOpenApiSchema(r.body) } },
      };
    (paths[r.path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'astbill API',
      version: '1',
      description:
        'Operator API of the astbill prepaid billing daemon. Every route but POST /login needs `Authorization: Bearer <token>` ' +
        '(ASTBILL_API_TOKEN, or an operator token from `astbill user token`) or a console session cookie plus `X-CSRF-Token` on POST; ' +
        'each operation names the weakest role it needs in `x-required-role` (read-only < support < admin; ' +
        '`signature`: POST /payments, signed with ASTBILL_PAYMENT_SECRET instead, see docs/payments.md). ' +
        'Money is always a decimal string (e.g. "10.00", up to 5 decimal places), never a JSON number.',
    },
    security: [{ bearerAuth: [] }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: errorSchema },
    },
  };
}

/**
 * Checks API answers against the OpenAPI document the server itself publishes at /openapi.json:
 * the documented status for the route, and a JSON body that matches the documented schema with
 * no undocumented field. The API harness runs it on every answer, so every API test is also a
 * test of the document.
 */
import { findProblem, type JsonSchema } from '../../daemon/src/schema/index.js';

interface Operation {
  responses: Record<
    string,
    { content?: Record<string, { schema?: JsonSchema & { $ref?: string } }> }
  >;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}

export class PublishedContract {
  private readonly routes: Array<{ regex: RegExp; methods: Record<string, Operation> }>;

  constructor(private readonly doc: OpenApiDocument) {
    this.routes = Object.entries(doc.paths).map(([template, methods]) => ({
      regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
      methods,
    }));
  }

  /** What is wrong with this answer according to the document; undefined when nothing is. */
  problem(method: string, url: string, status: number, contentType: string, body: unknown) {
    const path = new URL(url, 'http://x').pathname;
    // As OpenAPI matches: a concrete path (/vouchers/redeem) before a templated one (/vouchers/{batch}).
    const op = this.routes.find((r) => r.regex.test(path) && r.methods[method.toLowerCase()])
      ?.methods[method.toLowerCase()];
    const what = `${method} ${path} → ${status}`;
    // No operation (or an error status the operation does not list, like 405 or 413): an error
    // answer must still have the documented error shape.
    const response =
      op?.responses[String(status)] ??
      (status >= 400
        ? { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
        : undefined);
    if (!response) return `${what}: ${op ? 'status not documented' : 'no such operation'}`;
    const media = contentType.split(';')[0]!.trim();
    const content = Object.fromEntries(
      Object.entries(response.content ?? {}).map(([type, c]) => [type.split(';')[0]!.trim(), c]),
    );
    if (Object.keys(content).length > 0 && !(media in content))
      return `${what}: ${media || 'no content type'} is not documented (${Object.keys(content).join(', ')})`;
    const schema = content[media]?.schema;
    if (!schema) return undefined;
    const problem = findProblem(this.resolve(schema), body, { closed: true });
    return problem && `${what}: ${problem.replace(/^the body/, 'the answer')}`;
  }

  private resolve(schema: JsonSchema & { $ref?: string }): JsonSchema {
    if (!schema.$ref) return schema;
    const name = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref)?.[1];
    const found = name && this.doc.components.schemas[name];
    if (!found) throw new Error(`unresolvable $ref ${schema.$ref}`);
    return found;
  }
}

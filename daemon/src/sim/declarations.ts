/**
 * Swagger 1.1 API declarations generated from the route and model tables, in the layout ari-client
 * (swagger-client 2.x) reads: resources.json lists `/api-docs/{name}.{format}`; each declaration has
 * `basePath` (the address the client used), `resourcePath`, `apis[].operations[]` with `httpMethod`,
 * `nickname`, `responseClass`, `parameters[]` (`paramType`, `dataType`, `allowMultiple`) and `models`.
 */
import { RESOURCES } from './routes/index.js';
import type { ModelSpec, ResourceSpec } from './routes/types.js';

const API_VERSION = '10.0.0';

export function resourceListing(basePath: string): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    swaggerVersion: '1.1',
    basePath,
    apis: RESOURCES.map((r) => ({
      path: `/api-docs/${r.name}.{format}`,
      description: r.description,
    })),
  };
}

function model(id: string, m: ModelSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { id };
  if (m.description) out.description = m.description;
  if (m.discriminator) out.discriminator = m.discriminator;
  const properties: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(m.properties)) {
    const prop: Record<string, unknown> = { type: p.type };
    if (p.required !== undefined) prop.required = p.required;
    if (p.description) prop.description = p.description;
    if (p.allowableValues) prop.allowableValues = { valueType: 'LIST', values: p.allowableValues };
    properties[name] = prop;
  }
  out.properties = properties;
  if (m.subTypes) out.subTypes = m.subTypes;
  return out;
}

export function apiDeclaration(resource: ResourceSpec, basePath: string): Record<string, unknown> {
  const byPath = new Map<string, ResourceSpec['routes']>();
  for (const r of resource.routes) {
    const list = byPath.get(r.path) ?? [];
    list.push(r);
    byPath.set(r.path, list);
  }
  return {
    apiVersion: '2.0.0',
    swaggerVersion: '1.1',
    basePath,
    resourcePath: `/api-docs/${resource.name}.{format}`,
    apis: [...byPath.entries()].map(([path, routes]) => ({
      path,
      description: routes[0]?.summary ?? '',
      operations: routes.map((r) => {
        const op: Record<string, unknown> = {
          httpMethod: r.method,
          summary: r.summary,
          nickname: r.nickname,
          responseClass: r.responseClass,
          parameters: r.params.map((p) => {
            const param: Record<string, unknown> = {
              name: p.name,
              paramType: p.paramType,
              required: p.required ?? false,
              allowMultiple: p.allowMultiple ?? false,
              dataType: p.dataType,
            };
            if (p.description) param.description = p.description;
            if (p.defaultValue !== undefined) param.defaultValue = p.defaultValue;
            if (p.allowableValues)
              param.allowableValues = { valueType: 'LIST', values: p.allowableValues };
            return param;
          }),
        };
        if (r.upgrade) {
          op.upgrade = r.upgrade;
          op.websocketProtocol = 'ari';
        }
        if (r.errors) op.errorResponses = r.errors.map(([code, reason]) => ({ code, reason }));
        return op;
      }),
    })),
    models: Object.fromEntries(
      Object.entries(resource.models).map(([id, m]) => [id, model(id, m)]),
    ),
  };
}

export function findResource(name: string): ResourceSpec | undefined {
  return RESOURCES.find((r) => r.name === name);
}

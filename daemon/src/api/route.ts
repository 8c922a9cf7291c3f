/**
 * What a route is. The route table (routes/index.ts) is the single description of the API: the
 * router dispatches and validates with it, openapi.ts documents it.
 */
import type { IncomingMessage } from 'node:http';
import type { ObjectSchema, Schema } from './schema.js';

export type Method = 'GET' | 'POST';

export interface RouteRequest<Body = unknown> {
  /** Path parameters, already validated against `Route.params`. */
  params: Record<string, string>;
  /** Query parameters (the last value of a repeated one), validated against `Route.query`. */
  query: Record<string, string>;
  /** The parsed JSON body, validated against `Route.body` (undefined when the route takes none). */
  body: Body;
  raw: IncomingMessage;
}

export interface RouteResponse {
  status?: number;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as is, with `contentType`. */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface ResponseDoc {
  description: string;
  schema?: Schema;
  /** Default application/json. */
  contentType?: string;
}

export interface Route {
  method: Method;
  /** OpenAPI-style template: `/accounts/{name}/topup`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  params?: Record<string, Schema & { type: 'string' }>;
  query?: ObjectSchema;
  body?: ObjectSchema;
  /** Success responses; 400/401/404/... are added to the document for every route. */
  responses: Record<number, ResponseDoc>;
  handler(req: RouteRequest): Promise<RouteResponse>;
}

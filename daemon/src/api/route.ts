/**
 * What a route is. The route table (routes/index.ts) is the single description of the API: the
 * router dispatches and validates with it, openapi.ts documents it. Routes are written with
 * `defineRoute`, which types the handler's params, query and body from the route's schemas.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Role } from '../domain/roles.js';
import type { TObject, TSchema, TString } from '../schema/index.js';
import type { Principal } from './principal.js';

export type Method = 'GET' | 'POST';

export interface RouteRequest<
  Body = unknown,
  Query = Record<string, string | undefined>,
  Params = Record<string, string>,
> {
  /** Path parameters, already validated against `Route.params`. */
  params: Params;
  /** Query parameters (the last value of a repeated one), validated against `Route.query`. */
  query: Query;
  /** The parsed JSON body, validated against `Route.body` (undefined when the route takes none). */
  body: Body;
  raw: IncomingMessage;
  /** Who is calling (authenticated before the handler runs; `anonymous` on public routes). */
  principal: Principal;
  /** The body as received, for a `signedBody` route (which checks its own signature). */
  rawBody?: string;
}

export interface RouteResponse {
  status?: number;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as is, with `contentType`. */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Takes over the response after the headers (server-sent events); ends when the client goes. */
  stream?: (res: ServerResponse) => void;
}

export interface ResponseDoc {
  description: string;
  schema?: TSchema;
  /** Default application/json. */
  contentType?: string;
  /** Further media types the route can answer with (e.g. text/csv), with no schema. */
  alsoAs?: readonly string[];
}

export type ParamSchemas = Record<string, TString>;

export interface Route {
  method: Method;
  /** OpenAPI-style template: `/accounts/{name}/topup`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  params?: ParamSchemas;
  query?: TObject;
  body?: TObject;
  /**
   * Authenticated by a signature over the raw body instead of the bearer token (POST /payments):
   * the router hands the handler `rawBody` and parses nothing.
   */
  signedBody?: true;
  /** Success responses; 400/401/404/... are added to the document for every route. */
  responses: Record<number, ResponseDoc>;
  /**
   * The weakest role that may call the route (domain/roles.ts); default read-only for GET and
   * admin for POST. 'public': no credentials needed (the login route only).
   */
  role?: Role | 'public';
  handler(req: RouteRequest): Promise<RouteResponse>;
}

type Typed<S, Else> = S extends TSchema ? S['static'] : Else;

/** A route whose handler sees its inputs with the types of its schemas. */
export interface RouteDef<
  P extends ParamSchemas | undefined,
  Q extends TObject | undefined,
  B extends TObject | undefined,
> extends Omit<Route, 'params' | 'query' | 'body' | 'handler'> {
  params?: P;
  query?: Q;
  body?: B;
  handler(
    req: RouteRequest<
      Typed<B, undefined>,
      Typed<Q, Record<string, never>>,
      P extends ParamSchemas ? { [K in keyof P]: string } : Record<string, never>
    >,
  ): Promise<RouteResponse>;
}

/** 'signature': no session or token; the handler checks a signature over the body (POST /payments). */
export function requiredRole(
  route: Pick<Route, 'role' | 'method' | 'signedBody'>,
): Role | 'public' | 'signature' {
  if (route.signedBody) return 'signature';
  return route.role ?? (route.method === 'GET' ? 'read-only' : 'admin');
}

export function defineRoute<
  P extends ParamSchemas | undefined = undefined,
  Q extends TObject | undefined = undefined,
  B extends TObject | undefined = undefined,
>(def: RouteDef<P, Q, B>): Route {
  // The one place the types are erased: the router validates params, query and body against
  // these very schemas before it calls the handler.
  return def as unknown as Route;
}

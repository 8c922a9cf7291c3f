/**
 * Matches a request to a route of the table, reads and validates its parameters and body, runs
 * the handler and writes the response. Knows nothing about accounts or calls.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, badRequest, toHttpError } from './http-error.js';
import type { Principal } from './principal.js';
import type { Route, RouteResponse } from './route.js';
import { validate } from './schema.js';

/** Request bodies larger than this are refused (413); a big rate batch fits comfortably. */
export const MAX_BODY_BYTES = 1024 * 1024;

interface Compiled {
  route: Route;
  regex: RegExp;
  names: string[];
}

function compile(route: Route): Compiled {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((seg) => {
      const m = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(seg);
      if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { route, regex: new RegExp(`^${source}/?$`), names };
}

export interface Match {
  route: Route;
  params: Record<string, string>;
}

export class Router {
  private readonly compiled: Compiled[];

  constructor(readonly routes: readonly Route[]) {
    this.compiled = routes.map(compile);
  }

  /** The route for `method` and `path`; a 404 or 405 HttpError when there is none. */
  match(method: string, path: string): Match {
    const allowed: string[] = [];
    for (const c of this.compiled) {
      const m = c.regex.exec(path);
      if (!m) continue;
      if (c.route.method !== method) {
        allowed.push(c.route.method);
        continue;
      }
      const params: Record<string, string> = {};
      c.names.forEach((name, i) => {
        try {
          params[name] = decodeURIComponent(m[i + 1]!);
        } catch {
          throw badRequest(`path parameter '${name}' is not valid URL encoding`);
        }
      });
      return { route: c.route, params };
    }
    if (allowed.length > 0)
      throw new HttpError(
        405,
        `method ${method} is not allowed here (allowed: ${allowed.join(', ')})`,
        { allow: allowed.join(', ') },
      );
    throw new HttpError(404, `no such endpoint: ${method} ${path}`);
  }

  /** Validates and runs a matched route. */
  async run(
    match: Match,
    req: IncomingMessage,
    url: URL,
    principal: Principal,
  ): Promise<RouteResponse> {
    const { route, params } = match;
    for (const [name, schema] of Object.entries(route.params ?? {}))
      validate(schema, params[name], name);
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    if (route.query) validate(route.query, query);
    if (route.signedBody)
      return route.handler({
        params,
        query,
        body: undefined,
        raw: req,
        principal,
        rawBody: await readBody(req),
      });
    let body: unknown;
    if (route.body) {
      body = await readJson(req);
      validate(route.body, body);
    } else {
      await drain(req);
    }
    return route.handler({ params, query, body, raw: req, principal });
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`, {
        connection: 'close',
      });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const text = await readBody(req);
  if (text.trim() === '') throw badRequest('a JSON body is required');
  if (type !== 'application/json')
    throw new HttpError(415, "send the body as JSON with 'Content-Type: application/json'");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('the body is not valid JSON');
  }
}

/** Routes without a body still consume what a client sent, so the connection stays usable. */
async function drain(req: IncomingMessage): Promise<void> {
  await readBody(req);
}

/** JSON with a guard: a bigint reaching the wire is a bug (money must be formatted first). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint')
      throw new TypeError('bigint in an API response: format money with formatMoney first');
    return v;
  });
}

/**
 * Every API answer: never cached (balances), never sniffed or rendered as a page (a CDR export
 * holds caller-supplied text such as caller ID names), never framed.
 */
const API_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
} as const;

export function send(res: ServerResponse, out: RouteResponse): void {
  const status = out.status ?? 200;
  const headers: Record<string, string> = { ...API_HEADERS, ...out.headers };
  if (out.stream) {
    res.writeHead(status, { ...headers, 'content-type': out.contentType ?? 'text/event-stream' });
    out.stream(res);
  } else if (out.json !== undefined) {
    const text = toJson(out.json);
    res.writeHead(status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  } else if (out.text !== undefined) {
    res.writeHead(status, {
      ...headers,
      'content-type': out.contentType ?? 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(out.text)),
    });
    res.end(out.text);
  } else {
    res.writeHead(status, headers);
    res.end();
  }
}

export function sendError(res: ServerResponse, err: unknown): HttpError {
  const e = toHttpError(err);
  if (!res.headersSent)
    send(res, { status: e.status, json: { error: e.message }, headers: e.headers });
  else res.destroy();
  return e;
}

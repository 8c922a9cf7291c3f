/**
 * Who is calling, from the request's credentials, and whether they may call the route:
 *   - `Authorization: Bearer` with ASTBILL_API_TOKEN: admin (as before operators existed);
 *   - `Authorization: Bearer` with an operator's token (astapitoken): that token's role;
 *   - the console's session cookie: the operator's role, and every POST must carry the
 *     session's CSRF token in `X-CSRF-Token` (a cross-site form can send the cookie, never it).
 * Anything else is 401; a role below the route's is 403.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { allows, type Role } from '../domain/roles.js';
import type { OperatorStore } from '../store/operators/index.js';
import { HttpError } from './http-error.js';
import { requiredRole, type Route } from './route.js';

export const SESSION_COOKIE = 'astbill_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface Principal {
  /** For the audit trail: 'api-token', 'token:LABEL (NAME)', 'user:NAME', 'anonymous'. */
  actor: string;
  role: Role | null;
  /** The operator's name, when a person is behind the credential. */
  operator: string | null;
  via: 'bearer' | 'cookie' | 'none';
  /** The session's CSRF token (cookie logins). */
  csrf?: string | undefined;
  /** The raw cookie value (for logout). */
  cookie?: string | undefined;
}

export const ANONYMOUS: Principal = { actor: 'anonymous', role: null, operator: null, via: 'none' };

export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export const unauthorised = (): HttpError =>
  new HttpError(401, 'missing or wrong bearer token (Authorization: Bearer <token>), or log in', {
    'www-authenticate': 'Bearer realm="astbill"',
  });

export async function authenticate(
  req: IncomingMessage,
  envToken: (header: string | undefined) => boolean,
  operators: OperatorStore | undefined,
): Promise<Principal> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    if (envToken(header))
      return { actor: 'api-token', role: 'admin', operator: null, via: 'bearer' };
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    const t = m && operators ? await operators.tokenPrincipal(m[1]!) : undefined;
    if (!t) throw unauthorised();
    return {
      actor: `token:${t.label} (${t.operator.name})`,
      role: t.role,
      operator: t.operator.name,
      via: 'bearer',
    };
  }
  const cookie = cookieValue(req, SESSION_COOKIE);
  const s = cookie && operators ? await operators.session(cookie) : undefined;
  if (!s) return ANONYMOUS;
  return {
    actor: `user:${s.operator.name}`,
    role: s.operator.role,
    operator: s.operator.name,
    via: 'cookie',
    csrf: s.csrf,
    cookie,
  };
}

/** Throws 401/403 unless `p` may call `route`; checks the CSRF token of cookie POSTs. */
export function authorise(p: Principal, route: Route, req: IncomingMessage): void {
  const need = requiredRole(route);
  if (need === 'public' || need === 'signature') return;
  if (p.role === null) throw unauthorised();
  if (p.via === 'cookie' && route.method !== 'GET') {
    const sent = Buffer.from(String(req.headers[CSRF_HEADER] ?? ''));
    const want = Buffer.from(p.csrf ?? '');
    if (sent.length !== want.length || want.length === 0 || !timingSafeEqual(sent, want))
      throw new HttpError(403, `missing or wrong ${CSRF_HEADER} header (CSRF protection)`);
  }
  if (!allows(p.role, need))
    throw new HttpError(403, `this needs the ${need} role; you are ${p.role}`);
}

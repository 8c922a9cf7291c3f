/** Matches `METHOD /ari/...` against the route tables; path templates become anchored regexps. */
import { RESOURCES } from './routes/index.js';
import type { RouteSpec } from './routes/types.js';

interface Compiled {
  route: RouteSpec;
  regex: RegExp;
  names: string[];
}

const compiled: Compiled[] = RESOURCES.flatMap((res) =>
  res.routes
    .filter((r) => r.handler)
    .map((route) => {
      const names: string[] = [];
      const pattern = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      return { route, regex: new RegExp(`^${pattern}$`), names };
    }),
);

export type RouteMatch =
  | { kind: 'found'; route: RouteSpec; pathParams: Map<string, string> }
  | { kind: 'method-not-allowed' }
  | { kind: 'not-found' };

export function matchRoute(method: string, path: string): RouteMatch {
  let pathMatched = false;
  for (const c of compiled) {
    const m = c.regex.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (c.route.method !== method) continue;
    const pathParams = new Map<string, string>();
    c.names.forEach((n, i) => pathParams.set(n, decodeURIComponent(m[i + 1] ?? '')));
    return { kind: 'found', route: c.route, pathParams };
  }
  return pathMatched ? { kind: 'method-not-allowed' } : { kind: 'not-found' };
}

/**
 * The HTTP API server (node:http, no framework), started beside the daemon when
 * ASTBILL_API_PORT is set. Every request needs a credential (principal.ts: the bearer token,
 * an operator's token or a console session); the server refuses to start without a usable
 * ASTBILL_API_TOKEN. `start()`/`close()` like every long-lived part of the daemon.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerChecker, tokenProblem } from './auth.js';
import { ConcurrencySampler } from './concurrency.js';
import type { ApiDeps } from './deps.js';
import { ANONYMOUS, authenticate, authorise, unauthorised } from './principal.js';
import { isConsolePath, serveConsole } from '../console/serve.js';
import { Router, send, sendError } from './router.js';
import { buildRoutes } from './routes/index.js';
import { errorText } from '../error-text.js';

export interface ApiServerOptions {
  /** 0 picks a free port (tests); read the real one from `address()` after start(). */
  port: number;
  host: string;
  token: string | null;
}

/** The API cannot start as configured (e.g. no token). The message names the setting. */
export class ApiConfigError extends Error {
  override name = 'ApiConfigError';
}

export class ApiServer {
  private server: Server | undefined;
  private readonly router: Router;
  private readonly authorised: (header: string | undefined) => boolean;
  private readonly deps: ApiDeps;
  private readonly sampler: ConcurrencySampler;

  constructor(
    private readonly opts: ApiServerOptions,
    deps: ApiDeps,
  ) {
    const problem = tokenProblem(opts.token);
    if (problem) throw new ApiConfigError(problem);
    this.authorised = bearerChecker(opts.token!);
    this.sampler =
      deps.concurrency ??
      new ConcurrencySampler(async () => (await deps.store.reservedTotals()).calls);
    this.deps = { ...deps, concurrency: this.sampler };
    this.router = new Router(buildRoutes(this.deps));
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => void this.handle(req, res));
    // Slow or idle clients must not pin sockets forever.
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.sampler.start();
    const { address, port } = this.address();
    this.deps.log?.info('HTTP API listening', { address, port });
  }

  /** Where the server listens (after start()). */
  address(): { address: string; port: number } {
    const a = this.server?.address() as AddressInfo | null | undefined;
    if (!a) throw new Error('the API server is not listening');
    return { address: a.address, port: a.port };
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.sampler.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    let status = 500;
    let url: URL | undefined;
    try {
      url = new URL(req.url ?? '/', 'http://api.invalid');
      if (isConsolePath(url.pathname)) {
        status = 200;
        return await serveConsole(url.pathname, req.method ?? 'GET', res);
      }
      let match: ReturnType<Router['match']> | undefined;
      let unmatched: unknown;
      try {
        match = this.router.match(req.method ?? 'GET', url.pathname);
      } catch (err) {
        unmatched = err;
      }
      // A signed route (POST /payments) checks its own signature and carries no session or token.
      const principal = match?.route.signedBody
        ? ANONYMOUS
        : await authenticate(req, this.authorised, this.deps.operators);
      if (!match) {
        // Without credentials, say nothing about which paths exist.
        if (principal.role === null) throw unauthorised();
        throw unmatched;
      }
      if (!match.route.signedBody) authorise(principal, match.route, req);
      const out = await this.router.run(match, req, url, principal);
      status = out.status ?? 200;
      send(res, out);
    } catch (err) {
      const e = sendError(res, err);
      status = e.status;
      if (e.status >= 500)
        this.deps.log?.error('API request failed', {
          method: req.method,
          path: url?.pathname,
          error: errorText(err),
        });
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      this.deps.log?.debug('API request', {
        method: req.method,
        path: url?.pathname,
        status,
        ms: Math.round(ms),
      });
    }
  }
}

/**
 * The wire: node:http for REST and API declarations, `ws` for /ari/events. Authentication, routing,
 * parameter merging and error bodies follow Asterisk's res_ari: 401 {"message":"Authentication
 * required"} with a Basic challenge, 404 {"message":"Resource not found"} for unknown URLs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SimEngine } from './engine.js';
import type { AppConnection } from './apps.js';
import { AriError } from './errors.js';
import { apiDeclaration, findResource, resourceListing } from './declarations.js';
import { matchRoute } from './router.js';
import { Params } from './routes/types.js';
import { FaultInjector } from './faults.js';

export interface ServerOptions {
  host: string;
  port: number;
  username: string;
  password: string;
}

const REALM = 'Asterisk REST Interface';

export class AriHttpServer {
  private readonly http: Server;
  // Pings are answered in attach() (as Asterisk's websocket does), so that a stalled socket can stop.
  private readonly wss = new WebSocketServer({ noServer: true, autoPong: false });
  /** Sockets that stay open but send nothing any more (stallWebsockets). */
  private readonly stalled = new WeakSet<WebSocket>();
  private readonly sockets = new Set<Socket>();
  private connSeq = 0;
  private pings = 0;
  port = 0;
  /** Injected REST faults (slow answers, HTTP errors, no answer): see faults.ts. */
  readonly faults = new FaultInjector();
  /** Client pings answered with a pong (a test waits on it to know the client heard the link). */
  pingsAnswered = 0;
  /** Requests turned away for bad credentials (e.g. a client whose password was rotated away). */
  unauthorised = 0;
  /** REST requests received and not yet answered (hung ones excluded), for quiescence checks. */
  inFlight = 0;
  /**
   * How event frames reach a websocket (default: sent at once). A test replaces it to send a
   * frame twice or hold it back (duplicated, late events).
   */
  wire: ((data: string, send: (data: string) => void) => void) | null = null;

  constructor(
    private readonly sim: SimEngine,
    private readonly opts: ServerOptions,
  ) {
    this.http = createServer((req, res) => {
      // The declarations a (re)connecting client loads are not call work.
      let counted = !(req.url ?? '').startsWith('/ari/api-docs');
      if (counted) this.inFlight += 1;
      const done = (): void => {
        if (counted) this.inFlight -= 1;
        counted = false;
      };
      res.once('finish', done);
      res.once('close', done);
      this.handle(req, res, done).catch((err: unknown) => this.fail(res, err));
    });
    this.http.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.opts.port, this.opts.host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const addr = this.http.address();
    this.port = typeof addr === 'object' && addr ? addr.port : this.opts.port;
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  /** New ARI password from now on (clients holding the old one get 401). */
  setPassword(password: string): void {
    this.opts.password = password;
  }

  /** Closes every app websocket, as when Asterisk's side of the connection drops (tests of reconnects). */
  dropWebsockets(app?: string): void {
    for (const ws of this.wss.clients) {
      const apps = (ws as WebSocket & { apps?: string[] }).apps ?? [];
      if (app === undefined || apps.includes(app)) ws.terminate();
    }
  }

  /**
   * Stalls every websocket of `app` (or all), as a network that stops carrying packets without
   * closing the connection: it stays open, but from now on its event frames are lost and the
   * client's pings go unanswered, until the client gives up on it (its ping watchdog) or
   * dropWebsockets closes it. Asterisk still counts the frames as sent (sentEvents).
   */
  stallWebsockets(app?: string): void {
    for (const ws of this.wss.clients) {
      const apps = (ws as WebSocket & { apps?: string[] }).apps ?? [];
      if (app === undefined || apps.includes(app)) this.stalled.add(ws);
    }
  }

  /**
   * Resolves once every websocket of `app` has read the frames sent to it so far: a ping with its
   * own payload, answered by the client's pong (frames arrive in order). Held frames (`wire`)
   * are not waited for; a socket that closes counts as done, a stalled one is not waited for.
   */
  delivered(app: string): Promise<void> {
    const waits = [...this.wss.clients]
      .filter((ws) => ws.readyState === ws.OPEN && !this.stalled.has(ws))
      .filter((ws) => ((ws as WebSocket & { apps?: string[] }).apps ?? []).includes(app))
      .map(
        (ws) =>
          new Promise<void>((resolve) => {
            const token = `barrier-${++this.pings}`;
            const done = (): void => {
              ws.off('pong', onPong);
              ws.off('close', done);
              resolve();
            };
            const onPong = (data: Buffer): void => {
              if (data.toString() === token) done();
            };
            ws.on('pong', onPong);
            ws.on('close', done);
            ws.ping(token);
          }),
      );
    return Promise.all(waits).then(() => undefined);
  }

  private authorised(req: IncomingMessage, url: URL): boolean {
    const header = req.headers.authorization;
    let user: string | undefined;
    let pass: string | undefined;
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      user = i < 0 ? decoded : decoded.slice(0, i);
      pass = i < 0 ? '' : decoded.slice(i + 1);
    } else {
      const key = url.searchParams.get('api_key');
      if (key !== null) {
        const i = key.indexOf(':');
        if (i < 0) return false;
        user = key.slice(0, i);
        pass = key.slice(i + 1);
      }
    }
    return user === this.opts.username && pass === this.opts.password;
  }

  private send(
    res: ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ): void {
    if (body === undefined || status === 204) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (res.headersSent) return;
    if (err instanceof AriError) {
      this.send(res, err.status, err.body);
      return;
    }
    process.stderr.write(
      `astbill sim: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    this.send(res, 500, { message: 'Internal Server Error' });
  }

  private async readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    unanswered: () => void,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = (req.method ?? 'GET').toUpperCase();
    if (!url.pathname.startsWith('/ari/')) {
      this.send(res, 404, { message: 'Resource not found' });
      return;
    }
    const raw = await this.readBody(req);
    if (!this.authorised(req, url)) {
      this.unauthorised += 1;
      this.send(
        res,
        401,
        { message: 'Authentication required' },
        { 'WWW-Authenticate': `Basic realm="${REALM}"` },
      );
      return;
    }
    const path = url.pathname.slice(4); // keep the leading '/'
    if (path.endsWith('/')) {
      this.send(res, 404, {
        message: `ARI URLs do not end with a slash. Try /ari${path.replace(/\/+$/, '')}`,
      });
      return;
    }
    const fault = this.faults.take(method, path);
    if (fault) {
      if (fault.hang) return unanswered();
      if (fault.drop) {
        unanswered();
        req.socket.destroy();
        return;
      }
      if (fault.delayMs > 0) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.status !== null) {
        this.send(res, fault.status, fault.body);
        return;
      }
    }
    if (path.startsWith('/api-docs/')) {
      this.serveDocs(req, res, method, path.slice('/api-docs/'.length));
      return;
    }
    const match = matchRoute(method, path);
    if (match.kind === 'not-found') throw new AriError(404, { message: 'Resource not found' });
    if (match.kind === 'method-not-allowed') throw new AriError(405, { message: 'Invalid method' });

    const values = new Map<string, unknown>();
    for (const [k, v] of url.searchParams) values.set(k, v); // repeated keys: the last one wins
    let body: Record<string, unknown> | undefined;
    const type = req.headers['content-type'] ?? '';
    if (raw.trim() !== '') {
      if (type.includes('application/x-www-form-urlencoded')) {
        for (const [k, v] of new URLSearchParams(raw)) values.set(k, v);
      } else {
        try {
          const parsed: unknown = JSON.parse(raw);
          if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
            body = parsed as Record<string, unknown>;
        } catch {
          throw AriError.badRequest('Error parsing request body');
        }
        for (const [k, v] of Object.entries(body ?? {})) if (k !== 'variables') values.set(k, v);
      }
    }
    for (const [k, v] of match.pathParams) values.set(k, v);
    const handler = match.route.handler;
    if (!handler) throw new AriError(404, { message: 'Resource not found' });
    const reply = handler({ sim: this.sim, params: new Params(values), body });
    if (fault && fault.replyDelayMs > 0)
      await new Promise((r) => setTimeout(r, fault.replyDelayMs));
    this.send(res, reply.status, reply.body);
  }

  private serveDocs(req: IncomingMessage, res: ServerResponse, method: string, file: string): void {
    if (method !== 'GET') {
      this.send(res, 405, { message: 'Unsupported method' });
      return;
    }
    const basePath = `http://${req.headers.host ?? `${this.opts.host}:${this.port}`}/ari`;
    if (file === 'resources.json') {
      this.send(res, 200, resourceListing(basePath));
      return;
    }
    const name = file.endsWith('.json') ? file.slice(0, -5) : '';
    const resource = findResource(name);
    if (!resource) {
      this.send(res, 404, { message: 'Resource not found' });
      return;
    }
    this.send(res, 200, apiDeclaration(resource, basePath));
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sim');
    const reject = (status: number, text: string, body: object, extra = ''): void => {
      const json = JSON.stringify(body);
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n${extra}Connection: close\r\n\r\n${json}`,
      );
    };
    if (url.pathname !== '/ari/events') {
      reject(404, 'Not Found', { message: 'Resource not found' });
      return;
    }
    const fault = this.faults.take('GET', '/events');
    if (fault?.status) {
      reject(fault.status, 'Service Unavailable', (fault.body ?? {}) as object);
      return;
    }
    if (!this.authorised(req, url)) {
      reject(
        401,
        'Unauthorized',
        { message: 'Authentication required' },
        `WWW-Authenticate: Basic realm="${REALM}"\r\n`,
      );
      return;
    }
    const apps = (url.searchParams.get('app') ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    if (apps.length === 0) {
      reject(400, 'Bad Request', { message: "Missing param 'app'" });
      return;
    }
    const subscribeAll = url.searchParams.get('subscribeAll') === 'true';
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, apps, subscribeAll));
  }

  private attach(ws: WebSocket, apps: string[], subscribeAll: boolean): void {
    (ws as WebSocket & { apps?: string[] }).apps = apps;
    const conn: AppConnection = {
      id: ++this.connSeq,
      send: (data) => {
        const out = (d: string): void => {
          if (ws.readyState === ws.OPEN && !this.stalled.has(ws)) ws.send(d);
        };
        if (this.wire) this.wire(data, out);
        else out(data);
      },
    };
    for (const app of apps) {
      const replaced = this.sim.apps.connect(app, conn, subscribeAll);
      if (replaced) this.sim.publishReplaced(app, replaced);
    }
    this.sim.changed();
    ws.on('close', () => {
      for (const app of apps) this.sim.apps.disconnect(app, conn);
      this.sim.changed();
    });
    ws.on('error', () => ws.terminate());
    // Asterisk's websocket answers a ping with a pong carrying its payload; a stalled one cannot.
    ws.on('ping', (data: Buffer) => {
      if (ws.readyState !== ws.OPEN || this.stalled.has(ws)) return;
      ws.pong(data);
      this.pingsAnswered += 1;
    });
  }
}

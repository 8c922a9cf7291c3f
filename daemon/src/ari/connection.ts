/**
 * The ARI connection: the one object that holds an ari-client Client. It works around what
 * ari-client 2.2.0 does not do (docs/architecture.md, "Facts about ari-client"):
 *
 * - connect and start each get a timeout; when the websocket is lost or cannot be opened the
 *   client is thrown away and rebuilt in an endless loop with capped exponential backoff and
 *   jitter (ari-client's own reconnect gives up for good after ~10 tries), each time logging why;
 * - a ping/pong watchdog notices a dead websocket that never closed;
 * - every REST request goes through `request()`, which bounds it with a timeout, because a
 *   request made while Asterisk is down never settles; requests go over our own keep-alive
 *   node:http client (rest-client.ts) to the `basePath` ari-client found in the declarations,
 *   not through ari-client's swagger stack (twice the CPU, a new TCP connection per request);
 * - ari-client's websocket message handler is replaced by ours: each message is parsed once and
 *   handed to `onEvent` as plain JSON (ari-client would parse it again and build swagger objects
 *   for every event). An event type absent from the `events.json` models (which would make
 *   ari-client throw from inside the websocket, crashing the process) is logged and skipped;
 * - no per-channel listeners are ever registered, so nothing leaks per call.
 *
 * ari-client is kept for what it does once per connection: loading (and so validating) the API
 * declarations and opening the websocket. Raw events are handed to `onEvent` untouched;
 * ari/events.ts gives them meaning.
 */
import ari from 'ari-client';
import type { Client } from 'ari-client';
import type { Logger } from '../log.js';
import { CallControlError } from '../session/call-control-port.js';
import { classifyError, errorText, withTimeout } from './ari-errors.js';
import { disposeClient, guardMessages, internalsOf, restBase } from './client-internals.js';
import { quietSwagger } from './quiet-swagger.js';
import { AriRestClient, type QueryValue } from './rest-client.js';

export interface AriConnectionOptions {
  url: string;
  username: string;
  password: string;
  app: string;
  logger: Logger;
  /** Bound on loading the API declarations and opening the websocket (ms, default 10 000). */
  connectTimeoutMs?: number;
  /** Bound on one REST request (ms, default 5 000). */
  requestTimeoutMs?: number;
  /** Interval of the ping/pong watchdog (ms, default 20 000; 0 disables it). */
  pingIntervalMs?: number;
  /** First and largest reconnect delay (ms, defaults 500 and 30 000). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  onEvent: (raw: unknown) => void;
  /** Told of every REST request while it is in flight (the daemon's activity, session/activity.ts). */
  track?: <T>(request: Promise<T>) => Promise<T>;
  /** Called each time the websocket is up; `reconnected` is false the first time. */
  onConnected?: (reconnected: boolean) => void;
  /**
   * The websocket was found lost (closed, failed, or no pong). It proves nothing after it was
   * last heard (`onEvent`'s frames, `onPong`): a stalled link can look open for a long time.
   */
  onDisconnected?: (why: string) => void;
  /**
   * A watchdog ping was answered: the websocket delivered every frame Asterisk sent before it
   * got the ping, so up to `sentAt` (by `now`, the clock the daemon compares with Asterisk's).
   */
  onPong?: (sentAt: Date) => void;
  /** The clock a ping's send time is read from (default the wall clock). */
  now?: () => Date;
}

/** Why a client's websocket was lost (set on the client object), once it was. */
const LOST = Symbol('astbill.lost');
/**
 * REST requests still sent while the websocket is down (once the REST base is known): asking
 * which calls are up and hanging up / deleting what is over. Asterisk's HTTP side often still
 * answers, and each request is bounded by the timeout.
 */
const GAP_OPERATIONS = new Set(['list channels', 'list bridges', 'hangup', 'destroy bridge']);

export class AriConnection {
  private client: Client | null = null;
  private closed = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lost: ((why: string) => void) | null = null;
  private everConnected = false;
  private readonly connectTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly pingIntervalMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private firstConnect: { resolve: () => void; promise: Promise<void> };
  private readonly http: AriRestClient;

  constructor(private readonly opts: AriConnectionOptions) {
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 5_000;
    this.pingIntervalMs = opts.pingIntervalMs ?? 20_000;
    this.backoffBaseMs = opts.backoffBaseMs ?? 500;
    this.backoffMaxMs = opts.backoffMaxMs ?? 30_000;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.firstConnect = { resolve, promise };
    this.http = new AriRestClient({ username: opts.username, password: opts.password });
  }

  get connected(): boolean {
    return this.client !== null;
  }

  /** Starts the connect loop; resolves at once (the loop never gives up). */
  start(): void {
    if (this.loop || this.closed) return;
    this.loop = this.run();
  }

  /** Resolves when the websocket is up for the first time, or after `ms` (false). */
  async waitConnected(ms: number): Promise<boolean> {
    if (this.client) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), ms);
      timer.unref?.();
    });
    const ok = await Promise.race([this.firstConnect.promise.then(() => true), timeout]);
    clearTimeout(timer);
    return ok;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.lost?.('closing');
    this.wake?.();
    await this.loop;
    this.http.close();
  }

  /**
   * Sends one ARI REST request (`path` below the ARI base, e.g. `/channels/abc/answer`, ids
   * already encoded) while connected, bounded by the request timeout. Resolves with the parsed
   * JSON body; rejects with a CallControlError.
   */
  async request(
    operation: string,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    query?: Record<string, QueryValue>,
    timeoutMs = this.requestTimeoutMs,
  ): Promise<unknown> {
    if (!this.client && !(this.everConnected && GAP_OPERATIONS.has(operation)))
      throw new CallControlError(operation, 'not connected to Asterisk', 'disconnected');
    this.requestsInFlight += 1;
    try {
      const sent = this.http.request(operation, method, path, query, timeoutMs);
      return await (this.opts.track ? this.opts.track(sent) : sent);
    } catch (err) {
      throw classifyError(operation, err);
    } finally {
      this.requestsInFlight -= 1;
    }
  }

  /** REST requests sent and not yet answered or given up (leak checks, quiescence in tests). */
  requestsInFlight = 0;
  /** Event frames read from the websocket (handed to `onEvent` or dropped) since this object was made. */
  eventsReceived = 0;

  private async run(): Promise<void> {
    const { logger, url, app } = this.opts;
    let failures = 0;
    while (!this.closed) {
      let client: Client | null = null;
      try {
        client = await this.connectOnce();
        if (this.closed) break;
        failures = 0;
        const reconnected = this.everConnected;
        this.everConnected = true;
        this.client = client;
        logger.info(reconnected ? 'ARI websocket reconnected' : 'ARI websocket connected', {
          url,
          app,
        });
        this.firstConnect.resolve();
        try {
          this.opts.onConnected?.(reconnected);
        } catch (err) {
          logger.error('ARI connected handler failed', { error: errorText(err) });
        }
        const why = await this.watch(client);
        this.client = null;
        if (this.closed) break;
        logger.warn('ARI connection lost; rebuilding the client', { url, app, reason: why });
        try {
          this.opts.onDisconnected?.(why);
        } catch (err) {
          logger.error('ARI disconnected handler failed', { error: errorText(err) });
        }
      } catch (err) {
        this.client = null;
        if (this.closed) break;
        logger.warn('cannot connect to ARI; will retry', {
          url,
          app,
          reason: errorText(err),
          attempt: failures + 1,
        });
      } finally {
        if (client) this.dispose(client);
      }
      if (this.closed) break;
      const delay = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.min(failures, 16));
      failures++;
      await this.sleep(delay / 2 + Math.random() * (delay / 2));
    }
    this.client = null;
  }

  /** Loads the API declarations and opens the websocket, each bounded by the connect timeout. */
  private async connectOnce(): Promise<Client> {
    const { url, username, password, app } = this.opts;
    let abandoned = false;
    const connecting = ari.connect(url, username, password);
    connecting.then(
      (c) => {
        if (abandoned) this.dispose(c);
      },
      () => undefined,
    );
    let client: Client;
    try {
      // swagger-client logs a deprecation notice with console.log while loading: keep logs JSON.
      client = await quietSwagger(() =>
        withTimeout(Promise.resolve(connecting), this.connectTimeoutMs, 'load ARI declarations'),
      );
    } catch (err) {
      abandoned = true;
      throw err;
    }
    this.http.setBase(restBase(client, this.opts.url, this.opts.logger));
    client.on('WebSocketConnected', () => this.adopt(client));
    try {
      await withTimeout(
        Promise.resolve(client.start(app)),
        this.connectTimeoutMs,
        'open ARI websocket',
      );
    } catch (err) {
      this.dispose(client);
      throw err;
    }
    return client;
  }

  /** Resolves with the reason once this client's websocket is lost (or close() is called). */
  private watch(client: Client): Promise<string> {
    return new Promise<string>((resolve) => {
      let done = false;
      /** When the unanswered ping was sent (null: none is out). */
      let pingSentAt: Date | null = null;
      let timer: NodeJS.Timeout | undefined;
      const finish = (why: string): void => {
        if (done) return;
        done = true;
        if (timer) clearInterval(timer);
        this.lost = null;
        resolve(why);
      };
      this.lost = finish;
      const already = (client as unknown as { [LOST]?: string })[LOST];
      if (already) {
        finish(already);
        return;
      }
      // Should ari-client's own reconnect ever run, the socket is lost for us all the same.
      client.on('WebSocketReconnecting', (err: unknown) =>
        finish(`websocket closed${err ? ` (${errorText(err)})` : ''}`),
      );
      client.on('WebSocketMaxRetries', (err: unknown) =>
        finish(`websocket gave up${err ? ` (${errorText(err)})` : ''}`),
      );
      client.on('pong', () => {
        const sentAt = pingSentAt;
        pingSentAt = null;
        if (!sentAt || done) return;
        try {
          this.opts.onPong?.(sentAt);
        } catch (err) {
          this.opts.logger.error('ARI pong handler failed', { error: errorText(err) });
        }
      });
      if (this.pingIntervalMs > 0) {
        timer = setInterval(() => {
          if (pingSentAt) {
            finish(`no pong within ${this.pingIntervalMs} ms`);
            return;
          }
          pingSentAt = this.opts.now?.() ?? new Date();
          try {
            client.ping();
          } catch (err) {
            finish(`ping failed (${errorText(err)})`);
          }
        }, this.pingIntervalMs);
        timer.unref?.();
      }
    });
  }

  private deliver(client: Client, event: unknown): void {
    if ((event as { type?: unknown } | null)?.type === 'ApplicationReplaced') {
      // Another websocket took the app over: this one gets no more events.
      this.markLost(client, 'another websocket took over the application');
      return;
    }
    try {
      this.opts.onEvent(event);
    } catch (err) {
      this.opts.logger.error('ARI event handler failed', { error: errorText(err) });
    }
  }

  /**
   * Takes charge of a freshly opened websocket: its close or error is reported to our loop
   * before ari-client sees it, with ari-client's "closed on purpose" flag set, so that
   * ari-client never starts its own (bounded) reconnect; our loop rebuilds the client instead.
   */
  private adopt(client: Client): void {
    const internals = internalsOf(client);
    const ws = internals._ws;
    if (!ws) return;
    const gone = (why: string) => (): void => {
      internals._wsClosed = true;
      this.markLost(client, why);
    };
    ws.prependListener('close', gone('websocket closed'));
    ws.prependListener('error', gone('websocket error'));
    guardMessages(
      client,
      this.opts.logger,
      () => {
        this.eventsReceived += 1;
      },
      (event) => this.deliver(client, event),
    );
    // Usable from this moment: the first events (a StasisStart) can come before start() resolves.
    if (!this.closed) this.client = client;
  }

  private markLost(client: Client, why: string): void {
    const c = client as unknown as { [LOST]?: string };
    if (c[LOST]) return;
    c[LOST] = why;
    if (this.client === client) this.lost?.(why);
  }

  /** Detaches a client for good (client-internals.ts). */
  private dispose(client: Client): void {
    disposeClient(client);
    if (this.client === client) this.client = null;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }
}

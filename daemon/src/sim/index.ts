/**
 * Public in-process API of the ARI simulator: start a stand-in Asterisk 22 that speaks real ARI
 * over HTTP + WebSocket, drive callers and far ends, move a fake clock, and inspect what happened.
 *
 *   const sim = await AriSimulator.start({ clock: 'manual', rules: [{ prefix: '', action: 'answer' }] });
 *   const ari = await client.connect(sim.url, 'astbill', 'astbill');
 *   const call = sim.placeCall({ exten: '4930123', callerId: 'Alice <1001>', accountcode: 'alice' });
 *   sim.clock.advance(60_000);
 *   sim.ended(call.channelId); // { hungUpBy, cause, endedAt, ... }
 */
import { ManualClock, RealClock, type Clock } from './clock.js';
import { SimEngine, type AriEvent, type SentEvent } from './engine.js';
import { AriHttpServer } from './server.js';
import { DEFAULT_RULES, parseRules, type FarEndRule } from './far-ends.js';
import {
  placeCall,
  sendDtmf,
  hangupCaller,
  type CallHandle,
  type PlaceCallOptions,
} from './callers.js';
import { appHangup, shutdownChannel } from './hangups.js';
import { originate, type OriginateParams } from './dialer.js';
import type { EndedChannel } from './history.js';
import type { BridgeJson, ChannelJson, ChannelState } from './model.js';
import type { FaultInjector } from './faults.js';

export type { FarEndRule, FarEndAction } from './far-ends.js';
export { parseRules, loadRulesFile, RulesError, DEFAULT_RULES } from './far-ends.js';
export type { CallHandle, PlaceCallOptions } from './callers.js';
export type { OriginateParams } from './dialer.js';
export type { EndedChannel } from './history.js';
export type { AriEvent, SentEvent } from './engine.js';
export type { ChannelJson, BridgeJson } from './model.js';
export { ManualClock, RealClock, type Clock } from './clock.js';
export type { FaultRule, FaultHit, FaultInjector } from './faults.js';

export interface SimulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  host?: string;
  username?: string;
  password?: string;
  /** 'real' (default) follows wall time; 'manual' only moves on `clock.advance(ms)`. */
  clock?: 'real' | 'manual' | Clock;
  /** Start time of a manual clock (ms since epoch); default now. */
  startTime?: number;
  rules?: readonly FarEndRule[];
  /** Extra sounds (name -> ms) on top of the built-in core sounds table. */
  sounds?: Record<string, number>;
  asteriskId?: string;
  /** Keep every sent event for `sentEvents()` (default true; turn off for long runs). */
  recordEvents?: boolean;
  /** How many ended channels to remember (default 100000). */
  historyLimit?: number;
  /** asterisk.conf `systemname`: channel ids `<systemname>-<epoch>.<seq>`, so boxes sharing a clock differ. */
  systemName?: string;
}

/** What a test can see about a live channel. */
export interface ChannelSnapshot extends ChannelJson {
  kind: 'inbound' | 'outbound' | 'half';
  stasisApp?: string;
  bridgeId?: string;
  /** Sim-clock time at which TIMEOUT(absolute) will cut the channel. */
  absoluteDeadline?: number;
  answeredAt?: number;
  variables: Record<string, string>;
}

export interface WaitOptions {
  /** Real milliseconds before giving up (default 5000). */
  timeoutMs?: number;
}

export class AriSimulator {
  /** Base URL for ari-client: `ari.connect(sim.url, user, pass)`. */
  readonly url: string;
  readonly clock: Clock;

  private constructor(
    readonly engine: SimEngine,
    private readonly server: AriHttpServer,
    readonly username: string,
    private pass: string,
    host: string,
  ) {
    this.clock = engine.clock;
    this.url = `http://${host}:${server.port}`;
  }

  static async start(opts: SimulatorOptions = {}): Promise<AriSimulator> {
    const clock: Clock =
      opts.clock === 'manual'
        ? new ManualClock(opts.startTime ?? Date.now())
        : opts.clock === 'real' || opts.clock === undefined
          ? new RealClock()
          : opts.clock;
    const engine = new SimEngine({
      clock,
      asteriskId: opts.asteriskId ?? '02:00:5e:00:53:01',
      rules: parseRules(opts.rules ?? DEFAULT_RULES),
      sounds: { ...(opts.sounds ?? {}) },
      recordEvents: opts.recordEvents ?? true,
      historyLimit: opts.historyLimit ?? 100_000,
      ...(opts.systemName ? { systemName: opts.systemName } : {}),
    });
    const host = opts.host ?? '127.0.0.1';
    const username = opts.username ?? 'astbill';
    const password = opts.password ?? 'astbill';
    const server = new AriHttpServer(engine, { host, port: opts.port ?? 0, username, password });
    await server.listen();
    return new AriSimulator(engine, server, username, password, host);
  }

  /** The manual clock; throws when the simulator runs on real time. */
  get manualClock(): ManualClock {
    if (!(this.clock instanceof ManualClock))
      throw new Error('the simulator runs on the real clock');
    return this.clock;
  }

  /** Replaces the far-end rules (validated; throws RulesError). Applies to calls dialled from now on. */
  setRules(rules: readonly FarEndRule[]): void {
    this.engine.rules = parseRules(rules);
  }

  /** Injects an inbound call into a Stasis app, as a phone through the dialplan. */
  placeCall(opts: PlaceCallOptions): CallHandle {
    return placeCall(this.engine, opts);
  }

  /** The caller keys digits on a live channel (~351 ms apart unless told otherwise). */
  sendDtmf(
    channelId: string,
    digits: string,
    opts?: { delayMs?: number; gapMs?: number; durationMs?: number },
  ): void {
    sendDtmf(this.engine, channelId, digits, opts);
  }

  /** The caller (phone) hangs up; `cause` defaults to 16. */
  hangupCaller(channelId: string, cause?: number): void {
    hangupCaller(this.engine, channelId, cause);
  }

  /** What `POST /channels` does, without HTTP (for benchmarks and load tests). */
  originate(params: OriginateParams): ChannelJson {
    return originate(this.engine, params).snapshot;
  }

  /** What `DELETE /channels/{id}` does, without HTTP; `cause` defaults to 16. Throws for unknown ids. */
  hangup(channelId: string, cause = 16): void {
    appHangup(this.engine, this.engine.channel(channelId), cause);
  }

  channel(id: string): ChannelSnapshot | undefined {
    const ch = this.engine.channels.get(id);
    if (!ch || ch.ending) return undefined;
    const snap: ChannelSnapshot = {
      ...this.engine.channelJson(ch),
      kind: ch.kind,
      variables: Object.fromEntries(ch.vars),
    };
    if (ch.stasisApp) snap.stasisApp = ch.stasisApp;
    if (ch.bridgeId) snap.bridgeId = ch.bridgeId;
    if (ch.absoluteDeadline !== undefined) snap.absoluteDeadline = ch.absoluteDeadline;
    if (ch.answeredAt !== undefined) snap.answeredAt = ch.answeredAt;
    return snap;
  }

  liveChannels(): ChannelSnapshot[] {
    return [...this.engine.channels.keys()]
      .map((id) => this.channel(id))
      .filter((c): c is ChannelSnapshot => !!c);
  }

  channelCount(): number {
    return this.engine.channels.size;
  }

  /** State of a live channel, or undefined. */
  stateOf(id: string): ChannelState | undefined {
    return this.engine.channels.get(id)?.state;
  }

  /** History of a channel that has ended. */
  ended(id: string): EndedChannel | undefined {
    return this.engine.history.get(id);
  }

  endedChannels(): readonly EndedChannel[] {
    return this.engine.history.all();
  }

  bridges(): BridgeJson[] {
    return [...this.engine.bridges.values()].map((b) => this.engine.bridgeJson(b));
  }

  /** Events the simulator sent, per app (or all apps), oldest first. */
  sentEvents(app?: string): SentEvent[] {
    return this.engine.sentEvents(app);
  }

  clearSentEvents(): void {
    this.engine.clearSentEvents();
  }

  /** Calls that failed to enter Stasis because the app had no websocket. */
  failedStasisCalls(): readonly {
    channelId: string;
    app: string;
    at: number;
    reason: 'unknown-app' | 'inactive-app';
  }[] {
    return this.engine.failedStasis;
  }

  /** Whether an app currently has a websocket. */
  appConnected(app: string): boolean {
    return this.engine.apps.isActive(app);
  }

  /** Resolves with the first sent event (past or future) matching `predicate`. */
  waitForEvent(
    predicate: (e: AriEvent, app: string) => boolean,
    opts: WaitOptions & { fromIndex?: number; app?: string } = {},
  ): Promise<AriEvent> {
    const past = this.engine.sentEvents(opts.app).slice(opts.fromIndex ?? 0);
    const hit = past.find((s) => predicate(s.event, s.app));
    if (hit) return Promise.resolve(hit.event);
    return new Promise((resolve, reject) => {
      const onEvent = (s: SentEvent): void => {
        if ((opts.app === undefined || s.app === opts.app) && predicate(s.event, s.app)) {
          cleanup();
          resolve(s.event);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error('waitForEvent: timed out'));
      }, opts.timeoutMs ?? 5000);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.engine.off('event', onEvent);
      };
      this.engine.on('event', onEvent);
    });
  }

  /** Resolves once `predicate` holds; re-checked whenever the simulator's state changes. */
  waitUntil(predicate: () => boolean, opts: WaitOptions = {}): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (predicate()) {
          cleanup();
          resolve();
        }
      };
      const poll = setInterval(check, 10);
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error('waitUntil: timed out'));
      }, opts.timeoutMs ?? 5000);
      const cleanup = (): void => {
        clearTimeout(timer);
        clearInterval(poll);
        this.engine.off('change', check);
      };
      this.engine.on('change', check);
    });
  }

  /** REST fault injection (slow answers, HTTP 500s, requests never answered): see faults.ts. */
  get faults(): FaultInjector {
    return this.server.faults;
  }

  get password(): string {
    return this.pass;
  }

  /**
   * Changes the ARI password: whoever still holds the old one (a client that should be gone, e.g.
   * a daemon a test treats as crashed) is turned away with 401 from now on.
   */
  rotatePassword(password: string): void {
    this.pass = password;
    this.server.setPassword(password);
  }

  /** Requests turned away with 401 so far. */
  get unauthorisedRequests(): number {
    return this.server.unauthorised;
  }

  /** Client websocket pings answered so far (none on a stalled socket). */
  get pingsAnswered(): number {
    return this.server.pingsAnswered;
  }

  /** REST requests being handled right now (a test waits for 0 before it moves the clock). */
  get restInFlight(): number {
    return this.server.inFlight;
  }

  /** Resolves once the websockets of `app` have read every event frame sent to them so far. */
  delivered(app: string): Promise<void> {
    return this.server.delivered(app);
  }

  /** Replaces how event frames reach the websockets (null: at once); see AriHttpServer.wire. */
  setWire(wire: ((data: string, send: (data: string) => void) => void) | null): void {
    this.server.wire = wire;
  }

  /** Closes every websocket of `app` (or all), as a network drop would; the app's channels stay. */
  dropWebsockets(app?: string): void {
    this.server.dropWebsockets(app);
  }

  /**
   * Stalls every websocket of `app` (or all): it stays open but its frames and pongs stop, as a
   * network that stops carrying packets without closing (see AriHttpServer.stallWebsockets).
   */
  stallWebsockets(app?: string): void {
    this.server.stallWebsockets(app);
  }

  async close(): Promise<void> {
    for (const ch of [...this.engine.channels.values()]) shutdownChannel(this.engine, ch);
    await this.server.close();
  }
}

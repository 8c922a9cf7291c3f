/** In-memory stand-ins for the session's ports: a scripted switch, a counting store, a manual clock. */
import { createLogger } from '../../daemon/src/log.js';
import {
  callCost,
  maxAffordableSeconds,
  parseMoney,
  type Rate,
} from '../../daemon/src/rating/index.js';
import type {
  CallControl,
  HangupOutcome,
  OriginateRequest,
  PlaybackHandle,
  PlaybackOutcome,
} from '../../daemon/src/session/call-control-port.js';
import type { CallEvent, CallOffered } from '../../daemon/src/session/call-events.js';
import { CallSession, type SessionConfig } from '../../daemon/src/session/call-session.js';
import type { SessionDeps } from '../../daemon/src/session/call-context.js';
import type { DaemonClock, TimerHandle } from '../../daemon/src/session/clock.js';
import { IdFactory } from '../../daemon/src/session/ids.js';
import type {
  Account,
  AuthoriseRequest,
  AuthoriseResult,
  BillingStore,
  RefusalRecord,
  Reservation,
  SettleRequest,
  SessionMetrics,
  SettleResult,
} from '../../daemon/src/session/ports.js';
import { SessionRegistry } from '../../daemon/src/session/registry.js';

export const T0 = Date.parse('2026-11-22T10:00:00.000Z');
export const at = (ms: number): Date => new Date(T0 + ms);

export class FakeClock implements DaemonClock {
  private t = T0;
  private timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  now(): Date {
    return new Date(this.t);
  }
  monotonicMs(): number {
    return this.t;
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer = { at: this.t + ms, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }
  advance(ms: number): void {
    const target = this.t + ms;
    for (;;) {
      const due = this.timers
        .filter((x) => !x.cancelled && x.at <= target)
        .sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.cancelled = true;
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = target;
  }
}

export class FakeControl implements CallControl {
  readonly calls: string[] = [];
  readonly originated: OriginateRequest[] = [];
  readonly timeouts = new Map<string, number>();
  readonly hungUp: string[] = [];
  readonly played: string[][] = [];
  private playbacks = new Map<string, (o: PlaybackOutcome) => void>();
  private seq = 0;
  failOn = new Set<string>();
  /** Channels a hang-up finds already gone (404). */
  gone = new Set<string>();

  private op(name: string, detail = ''): void {
    this.calls.push(detail ? `${name} ${detail}` : name);
    if (this.failOn.has(name)) throw new Error(`${name} failed (scripted)`);
  }
  async answer(channelId: string): Promise<void> {
    this.op('answer', channelId);
  }
  async ring(channelId: string): Promise<void> {
    this.op('ring', channelId);
  }
  async play(channelId: string, media: readonly string[]): Promise<PlaybackHandle> {
    this.op('play', `${channelId} ${media.join(',')}`);
    this.played.push([...media]);
    const id = `pb${++this.seq}`;
    const finished = new Promise<PlaybackOutcome>((r) => this.playbacks.set(id, r));
    // Prompts finish at once unless a test holds them.
    queueMicrotask(() => this.finishPlayback(id));
    return { id, finished };
  }
  finishPlayback(id: string): void {
    this.playbacks.get(id)?.('done');
    this.playbacks.delete(id);
  }
  async stopPlayback(playbackId: string): Promise<void> {
    this.op('stop', playbackId);
    this.finishPlayback(playbackId);
  }
  async originate(req: OriginateRequest): Promise<void> {
    this.op('originate', req.endpoint);
    this.originated.push(req);
  }
  async createBridge(bridgeId: string): Promise<void> {
    this.op('createBridge', bridgeId);
  }
  async addToBridge(bridgeId: string, channelIds: readonly string[]): Promise<void> {
    this.op('addToBridge', `${bridgeId} ${channelIds.join(',')}`);
  }
  async destroyBridge(bridgeId: string): Promise<void> {
    this.op('destroyBridge', bridgeId);
  }
  async setAbsoluteTimeout(channelId: string, seconds: number): Promise<void> {
    this.op('timeout', `${channelId} ${seconds}`);
    this.timeouts.set(channelId, seconds);
  }
  async hangup(channelId: string): Promise<HangupOutcome> {
    this.op('hangup', channelId);
    this.hungUp.push(channelId);
    return this.gone.has(channelId) ? 'gone' : 'hung-up';
  }
  async listChannels() {
    return [];
  }
  async listBridges() {
    return [];
  }
  forgetLeg(): void {}
}

export const RATE: Rate = {
  tariff: 'default',
  prefix: '44',
  description: '',
  ratePerMin: parseMoney('0.05'),
  connectFee: parseMoney('0.10'),
  initialSecs: 60,
  incrementSecs: 6,
  minSecs: 0,
};

export class FakeStore implements BillingStore {
  readonly accounts = new Map<string, Account>();
  readonly settles: SettleRequest[] = [];
  readonly refusals: RefusalRecord[] = [];
  readonly answered: string[] = [];
  readonly open = new Map<string, { req: AuthoriseRequest; maxSeconds: number }>();
  readonly done = new Set<string>();
  failOn = new Set<string>();

  constructor() {
    this.accounts.set('alice', {
      id: 1,
      name: 'alice',
      status: 'active',
      balance: parseMoney('10'),
      creditLimit: 0n,
      reserved: 0n,
      currency: 'EUR',
      tariff: 'default',
      maxCalls: null,
      maxCallSeconds: null,
      hasPin: false,
    });
  }
  private check(op: string): void {
    if (this.failOn.has(op)) throw new Error(`database down (${op})`);
  }
  async accountByName(name: string) {
    this.check('accountByName');
    return this.accounts.get(name);
  }
  async accountByAni() {
    return undefined;
  }
  async accountByPin() {
    return undefined;
  }
  async rateFor(_tariff: string, number: string) {
    this.check('rateFor');
    return number.startsWith('44') ? RATE : undefined;
  }
  async authorise(req: AuthoriseRequest): Promise<AuthoriseResult> {
    this.check('authorise');
    const acct = [...this.accounts.values()].find((a) => a.id === req.accountId)!;
    const maxSeconds = maxAffordableSeconds(
      req.rate,
      acct.balance,
      acct.maxCallSeconds ?? req.defaultMaxSeconds,
    );
    if (maxSeconds === 0) return { ok: false, reason: 'NOCREDIT', available: acct.balance };
    this.open.set(req.uniqueid, { req, maxSeconds });
    return {
      ok: true,
      maxSeconds,
      maxCost: callCost(req.rate, maxSeconds),
      available: acct.balance,
    };
  }
  async markAnswered(uniqueid: string) {
    this.check('markAnswered');
    this.answered.push(uniqueid);
  }
  async settle(req: SettleRequest): Promise<SettleResult> {
    this.check('settle');
    this.settles.push(req);
    const o = this.open.get(req.uniqueid);
    if (!o || this.done.has(req.uniqueid))
      return { settled: false, cost: 0n, billsec: 0, balanceAfter: 0n };
    this.done.add(req.uniqueid);
    const billsec = req.disposition === 'ANSWERED' ? Math.min(req.billsec, o.maxSeconds) : 0;
    return { settled: true, cost: callCost(o.req.rate, billsec), billsec, balanceAfter: 0n };
  }
  async recordRefusal(rec: RefusalRecord) {
    this.refusals.push(rec);
  }
  async reservations(): Promise<Reservation[]> {
    return [];
  }
}

export const CONFIG: SessionConfig = {
  dial: 'PJSIP/{number}@trunk',
  node: 'n1',
  ringTimeout: 45,
  maxCallSeconds: 3600,
  warnBefore: 0,
  warnSound: 'sound:beep',
  announce: false,
  digitTimeout: 5,
  pinTries: 3,
  hangupWaitSeconds: 5,
};

export function offered(over: Partial<CallOffered> = {}): CallOffered {
  return {
    kind: 'offered',
    at: at(0),
    channelId: 'A1',
    channelName: 'PJSIP/alice-00000001',
    callerNumber: '1001',
    callerName: 'Alice',
    accountcode: 'alice',
    technology: 'PJSIP',
    endpointResource: 'alice',
    dialled: '442071234567',
    ...over,
  };
}

export interface Rig {
  session: CallSession;
  control: FakeControl;
  store: FakeStore;
  clock: FakeClock;
  registry: SessionRegistry<CallSession>;
  send(ev: CallEvent): void;
  /** Lets pending promise callbacks run. */
  flush(): Promise<void>;
}

export function rig(
  opts: {
    config?: Partial<SessionConfig>;
    offered?: Partial<CallOffered>;
    store?: FakeStore;
    control?: FakeControl;
    metrics?: SessionMetrics;
    bands?: SessionDeps['bands'];
  } = {},
): Rig {
  const control = opts.control ?? new FakeControl();
  const store = opts.store ?? new FakeStore();
  const clock = new FakeClock();
  const registry = new SessionRegistry<CallSession>();
  const session: CallSession = new CallSession(offered(opts.offered), {
    store,
    control,
    clock,
    logger: createLogger('error', { silent: true }),
    ids: new IdFactory('n1', 'boot'),
    config: { ...CONFIG, ...opts.config },
    bind: (id) => registry.bind(id, session),
    onFinished: () => registry.remove(session),
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    ...(opts.bands ? { bands: opts.bands } : {}),
  });
  registry.add(session);
  return {
    session,
    control,
    store,
    clock,
    registry,
    send: (ev) =>
      registry.byChannelId('channelId' in ev && ev.channelId ? ev.channelId : '')?.handle(ev),
    flush: async () => {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    },
  };
}

/**
 * How the daemon builds call sessions: an ordinary call offered by the router, one an earlier
 * run connected and restart reconciliation hands back (adopt), a callback ordered through the
 * API or resumed at restart. Every session gets the same parts (store, control, clock, ids,
 * settings) and registers and unregisters itself in the daemon's registry.
 */
import type { Logger } from './log.js';
import type { Metrics } from './api/index.js';
import type { KnexBillingStore } from './store/index.js';
import { CallSession, type SessionConfig, type SessionDeps } from './session/call-session.js';
import type { DaemonClock } from './session/clock.js';
import type { BridgePool } from './session/bridge-pool.js';
import type { IdFactory } from './session/ids.js';
import type { CallOffered } from './session/call-events.js';
import type { GuessLimiter } from './session/guess-limiter.js';
import { noSessionMetrics, type BillingStore } from './session/ports.js';
import type { SessionRegistry } from './session/registry.js';
import type { AdoptableCall } from './session/reconcile.js';
import type { RetryingControl } from './session/cleanup-retry.js';
import { CallbackService } from './session/callback-service.js';
import { CallbackSession, type AdoptableCallback } from './session/callback-session.js';
import type { LiveSession } from './session/live-session.js';
import type { LivenessBook } from './session/live-check.js';

export interface DaemonSessionsDeps {
  registry: SessionRegistry<LiveSession>;
  control: RetryingControl;
  logger: Logger;
  /** Asterisk's clock (session/asterisk-clock.ts): sessions compare moments with its stamps. */
  clock: DaemonClock;
  /** The daemon's own clock (callback orders). */
  wallClock: DaemonClock;
  /** The last moment each session was confirmed up (what a grant extension may claim). */
  book: LivenessBook;
  ids: IdFactory;
  /** Mixing bridges reused from call to call. */
  bridges: BridgePool;
  config: SessionConfig;
  /** The store sessions bill with (known once the daemon has started). */
  store(): BillingStore;
  /** The knex store (grants, callbacks); null when the daemon has none. */
  operatorStore(): KnexBillingStore | null;
  metrics: Metrics | null;
  pinGuard: GuessLimiter;
  /** False once the daemon is closing: nothing is adopted or ordered then. */
  accepting(): boolean;
  /** Hands an adopted session the ends of its channels that came before it (call-router.ts). */
  claim(session: LiveSession): void;
}

export class DaemonSessions {
  constructor(private readonly d: DaemonSessionsDeps) {}

  /** The parts every session shares: the daemon's store, control, clock, ids, bridges, settings. */
  private parts() {
    const { d } = this;
    return {
      store: d.store(),
      control: d.control,
      logger: d.logger,
      clock: d.clock,
      ids: d.ids,
      bridges: d.bridges,
      config: d.config,
    };
  }

  /** What a callback session is built with; `self` is the session being built. */
  private common(self: () => LiveSession) {
    const { d } = this;
    return {
      ...this.parts(),
      confirmedUp: () => d.book.confirmedUp(self(), d.clock.now()),
      bind: (channelId: string) => d.registry.bind(channelId, self()),
      onFinished: () => d.registry.remove(self()),
    };
  }

  /**
   * What every ordinary call is built with: one object for all of them (a copy per call was
   * ~1 KiB of each live call's heap), made again only should the daemon's stores change.
   */
  private callDeps: SessionDeps | null = null;

  private depsForCalls(): SessionDeps {
    const { d } = this;
    const parts = this.parts();
    const grants = d.operatorStore();
    const cached = this.callDeps;
    if (cached && cached.store === parts.store && (cached.grantStore ?? null) === grants)
      return cached;
    const deps: SessionDeps = {
      ...parts,
      confirmedUp: (session) => d.book.confirmedUp(session, d.clock.now()),
      bind: (channelId, session) => d.registry.bind(channelId, session),
      onFinished: (session) => d.registry.remove(session),
      metrics: d.metrics ?? noSessionMetrics,
      pinGuard: d.pinGuard,
      ...(grants ? { grantStore: grants, routing: grants, vouchers: grants, bands: grants } : {}),
    };
    this.callDeps = deps;
    return deps;
  }

  /** An ordinary call (the router registers it). */
  call(offered: CallOffered): CallSession {
    return new CallSession(offered, this.depsForCalls());
  }

  /** Restart reconciliation: a call an earlier run connected, still up in Asterisk, gets a session again. */
  adoptCall(call: AdoptableCall): boolean {
    if (!this.d.accepting()) return false;
    const session = this.call({
      kind: 'offered',
      at: call.created,
      channelId: call.aChannelId,
      channelName: call.aChannelName,
      callerNumber: '',
      callerName: '',
      accountcode: call.account,
      technology: call.aChannelName.split('/')[0] ?? '',
      endpointResource: null,
      dialled: null,
    });
    this.d.registry.add(session);
    void session.adopt(call);
    this.d.claim(session);
    return true;
  }

  /** Restart reconciliation: a callback an earlier run bridged, still up, gets ONE two-leg session again. */
  async adoptCallback(call: AdoptableCallback): Promise<boolean> {
    const grants = this.d.operatorStore();
    if (!this.d.accepting() || !grants) return false;
    const account = await this.d.store().accountByName(call.account);
    if (!account) return false;
    const session: CallbackSession = new CallbackSession(
      {
        account,
        a: { number: call.a.number, rate: null },
        b: { number: call.b.number, rate: null },
      },
      { ...this.common(() => session), grants, routing: grants },
      call,
    );
    this.d.registry.add(session);
    void session.adopt(call);
    this.d.claim(session);
    return true;
  }

  /** Callback calls (POST /callbacks, `astbill callback`); null without the knex store. */
  callbackService(node: string): CallbackService | null {
    const grants = this.d.operatorStore();
    if (!grants) return null;
    return new CallbackService({
      store: this.d.store(),
      bands: grants,
      routing: grants,
      routingConfig: this.d.config.routing,
      logger: this.d.logger,
      node,
      now: () => this.d.wallClock.now(),
      accepting: () => this.d.accepting(),
      register: (session) => this.d.registry.add(session),
      newSession: (order) => {
        const session: CallbackSession = new CallbackSession(order, {
          ...this.common(() => session),
          grants,
          routing: grants,
        });
        return session;
      },
    });
  }
}

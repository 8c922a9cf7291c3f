/**
 * The billing daemon, composed: config → store → ARI connection → call sessions, plus the
 * housekeeping job. `start()` opens the store and starts the (endless) ARI connect loop;
 * `close()` turns new calls away, lets live calls finish for a while, ends the rest through
 * the kill path (so they are settled), then closes ARI and the store.
 *
 *   const daemon = await startDaemon(loadConfig(), { logger });
 *   ...
 *   await daemon.close();
 */
import { ConfigError, type Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import { createAriSwitch, type AriSwitch, type AriSwitchOptions } from './ari/index.js';
import { openStore } from './store/index.js';
import { CallRouter } from './session/call-router.js';
import { CallSession, type SessionConfig } from './session/call-session.js';
import { systemClock, type DaemonClock } from './session/clock.js';
import { Housekeeping } from './session/housekeeping.js';
import { IdFactory } from './session/ids.js';
import { killCall } from './session/kill-call.js';
import type { BillingStore } from './session/ports.js';
import { SessionRegistry } from './session/registry.js';

export interface DaemonDeps {
  /** The store to bill with; when absent it is opened from `config.db` (and closed by close()). */
  store?: BillingStore;
  logger?: Logger;
  /** The daemon's timers (limit, digits, ring guard); billsec always comes from Asterisk's timestamps. */
  clock?: DaemonClock;
  /** ARI timeouts and backoff (ms). */
  ari?: AriSwitchOptions['timing'];
  /** Schedule the housekeeping cron job (default true). */
  housekeeping?: boolean;
  /** Session tunables beyond Config. */
  session?: Partial<Pick<SessionConfig, 'maxDestinationAttempts' | 'limitGraceSeconds' | 'hangupWaitSeconds' | 'ringGuardSeconds'>>;
  /** Seconds close() lets live calls run before it ends them (default 10). */
  drainSeconds?: number;
}

export interface StartOptions {
  /** Wait this long for the first ARI connection (ms, default 0: don't wait; the loop keeps trying). */
  waitForAsteriskMs?: number;
}

export class Daemon {
  readonly registry = new SessionRegistry<CallSession>();
  readonly ids: IdFactory;
  readonly logger: Logger;
  readonly ari: AriSwitch;
  readonly router: CallRouter;
  private readonly clock: DaemonClock;
  private store: BillingStore | null;
  private closeStore: (() => Promise<void>) | null = null;
  private housekeepingJob: Housekeeping | null = null;
  private started = false;
  private closing: Promise<void> | null = null;

  constructor(
    readonly config: Config,
    private readonly deps: DaemonDeps = {},
  ) {
    this.logger = deps.logger ?? createLogger(config.logLevel);
    this.clock = deps.clock ?? systemClock;
    this.store = deps.store ?? null;
    this.ids = new IdFactory(config.node);
    if (!Housekeeping.validCron(config.housekeepingCron)) {
      throw new ConfigError('ASTBILL_HOUSEKEEPING_CRON', `'${config.housekeepingCron}' is not a valid cron expression`);
    }
    this.ari = createAriSwitch({
      url: config.ari.url,
      username: config.ari.username,
      password: config.ari.password,
      app: config.ari.app,
      logger: this.logger,
      newPlaybackId: () => this.ids.playback(),
      onEvent: (ev) => this.router.route(ev),
      onConnected: (reconnected) => void this.onConnected(reconnected),
      ...(deps.ari ? { timing: deps.ari } : {}),
    });
    this.router = new CallRouter({
      registry: this.registry,
      control: this.ari.control,
      logger: this.logger,
      newSession: (offered) => {
        const session: CallSession = new CallSession(offered, {
          store: this.billingStore,
          control: this.ari.control,
          logger: this.logger,
          clock: this.clock,
          ids: this.ids,
          config: { ...this.config, ...this.deps.session },
          bind: (channelId) => this.registry.bind(channelId, session),
          onFinished: () => this.registry.remove(session),
        });
        return session;
      },
    });
  }

  get billingStore(): BillingStore {
    if (!this.store) throw new Error('the daemon is not started');
    return this.store;
  }

  /** The housekeeping sweep (for `runOnce` in tests and the API). */
  get housekeeping(): Housekeeping {
    if (!this.housekeepingJob) throw new Error('the daemon is not started');
    return this.housekeepingJob;
  }

  async start(opts: StartOptions = {}): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (!this.store) {
      const opened = await openStore(this.config.db);
      this.store = opened.store;
      this.closeStore = opened.close;
    }
    this.housekeepingJob = new Housekeeping({
      store: this.store,
      control: this.ari.control,
      registry: this.registry,
      logger: this.logger,
      clock: this.clock,
      node: this.config.node,
      cron: this.config.housekeepingCron,
      staleMarginSeconds: this.config.staleMargin,
    });
    if (this.deps.housekeeping ?? true) this.housekeepingJob.start();
    this.ari.start();
    this.logger.info('astbill daemon started', { node: this.config.node, app: this.config.ari.app, ari: this.config.ari.url, db: this.config.db.client });
    if (opts.waitForAsteriskMs) {
      const ok = await this.ari.waitConnected(opts.waitForAsteriskMs);
      if (!ok) this.logger.warn('Asterisk not reachable yet; still trying', { url: this.config.ari.url });
    }
  }

  /** Live calls (sessions not yet settled). */
  get liveCalls(): number {
    return this.registry.size;
  }

  /** Resolves when no session is live, or after `ms` (false). */
  async idle(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.registry.size > 0) {
      if (Date.now() >= deadline) return false;
      await Promise.race([Promise.all(this.registry.sessions().map((s) => s.finished)), new Promise((r) => setTimeout(r, 50))]);
    }
    return true;
  }

  close(opts: { drainSeconds?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(opts.drainSeconds ?? this.deps.drainSeconds ?? 10);
    return this.closing;
  }

  private async shutdown(drainSeconds: number): Promise<void> {
    this.router.stopAccepting();
    await this.housekeepingJob?.close();
    if (this.registry.size > 0) {
      this.logger.info('draining live calls', { calls: this.registry.size, seconds: drainSeconds });
      if (!(await this.idle(drainSeconds * 1000))) {
        const left = this.registry.sessions();
        this.logger.warn('ending calls still up at shutdown', { calls: left.length });
        await Promise.allSettled(left.map((s) => killCall(s, 'shutdown', this.logger)));
        await this.idle(10_000);
      }
    }
    await this.ari.close();
    if (this.closeStore) await this.closeStore();
    this.logger.info('astbill daemon stopped');
  }

  private async onConnected(reconnected: boolean): Promise<void> {
    try {
      await this.cleanLeftoverBridges();
      if (reconnected) await this.router.resync();
    } catch (err) {
      this.logger.warn('post-connect checks failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  /**
   * Empty bridges with our ids that no live session owns are leftovers (e.g. after a SIGKILL);
   * Asterisk keeps the app inactive while it owns any, so they are deleted at connect time.
   */
  private async cleanLeftoverBridges(): Promise<void> {
    const bridges = await this.ari.control.listBridges();
    for (const b of bridges) {
      // Bridges of this run belong to live sessions; only earlier runs' empty ones are leftovers.
      if (!this.ids.isOurs(b.id) || this.ids.isThisRun(b.id) || b.channels.length > 0) continue;
      this.logger.warn('deleting a leftover bridge', { bridge: b.id });
      await this.ari.control.destroyBridge(b.id).catch(() => undefined);
    }
  }
}

/** Creates and starts a daemon. */
export async function startDaemon(config: Config, deps: DaemonDeps = {}, opts: StartOptions = {}): Promise<Daemon> {
  const daemon = new Daemon(config, deps);
  try {
    await daemon.start(opts);
  } catch (err) {
    await daemon.close({ drainSeconds: 0 }).catch(() => undefined);
    throw err;
  }
  return daemon;
}

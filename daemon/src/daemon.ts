/**
 * The billing daemon, composed: config → store → ARI connection → call sessions, plus the
 * background jobs (daemon-jobs.ts) and the operator surface (daemon-surface.ts: the HTTP API with
 * its metrics, the daily report schedule, the outbox workers). `start()` opens the store and starts the
 * (endless) ARI connect loop; `close()` turns new calls away (each still leaves a SHUTDOWN CDR),
 * lets live calls finish for a while, ends the rest through the kill path (so they are
 * settled), then closes the API, ARI and the store.
 *
 *   const daemon = await startDaemon(loadConfig(), { logger });
 *   ...
 *   await daemon.close();
 */
import type { Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import { createAriSwitch, type AriSwitch } from './ari/index.js';
import { Metrics } from './api/index.js';
import { KnexBillingStore, openStore } from './store/index.js';
import { startResilience, type Resilience } from './resilience/open.js';
import { CallRouter } from './session/call-router.js';
import { systemClock, type DaemonClock } from './session/clock.js';
import { AsteriskClock } from './session/asterisk-clock.js';
import type { Housekeeping } from './session/housekeeping.js';
import { IdFactory } from './session/ids.js';
import { BridgePool, POOL_MAX_IDLE } from './session/bridge-pool.js';
import { killCall } from './session/kill-call.js';
import { GuessLimiter } from './session/guess-limiter.js';
import { knexGuessLog } from './store/pin-failures.js';
import type { BillingStore } from './session/ports.js';
import { SessionRegistry } from './session/registry.js';
import type { Checkpointer } from './session/checkpointer.js';
import type { Reconciler } from './session/reconcile.js';
import { knexCheckpoints } from './store/checkpoints.js';
import { withCleanupRetries, type RetryingControl } from './session/cleanup-retry.js';
import type { CallbackService } from './session/callback-service.js';
import type { LiveSession } from './session/live-session.js';
import { TurnedAway } from './session/turned-away.js';
import { Activity } from './session/activity.js';
import { errorText } from './error-text.js';
import { DaemonSessions } from './daemon-sessions.js';
import { buildJobs, type DaemonJobs } from './daemon-jobs.js';
import { LivenessBook } from './session/live-check.js';
import { UnseenEnds } from './session/unseen-end.js';
import { OperatorSurface } from './daemon-surface.js';
import type { DaemonDeps, StartOptions } from './daemon-options.js';

export type { DaemonDeps, StartOptions } from './daemon-options.js';

export class Daemon {
  readonly registry = new SessionRegistry<LiveSession>();
  /** Store calls and ARI requests in flight (`settled()`). */
  private readonly activity = new Activity();
  readonly ids: IdFactory;
  readonly logger: Logger;
  readonly ari: AriSwitch;
  readonly router: CallRouter;
  /** The ARI call control every part uses: failed hang-ups and bridge deletions are retried. */
  readonly control: RetryingControl;
  /** Mixing bridges reused from call to call (session/bridge-pool.ts). */
  readonly bridges: BridgePool;
  private readonly clock: DaemonClock;
  /** Asterisk's time: every moment compared with its answer times (confirmed up / gone). */
  private readonly asteriskClock: AsteriskClock;
  /** When each live call was last confirmed up (the live check and checkpointer keep it). */
  private readonly book = new LivenessBook();
  private store: BillingStore | null;
  private operatorStore: KnexBillingStore | null;
  /** The knex store as sessions use it (grants, callbacks): its calls count as activity. */
  private sessionGrants: KnexBillingStore | null = null;
  private closeStore: (() => Promise<void>) | null = null;
  /** The background jobs (daemon-jobs.ts), built at start(). */
  private jobs: DaemonJobs | null = null;
  private callbackService: CallbackService | null = null;
  /** Prometheus metrics; null when neither the API nor the caller asked for them. */
  readonly metrics: Metrics | null;
  /** The HTTP API, report schedule and outbox workers (daemon-surface.ts). */
  private readonly surface = new OperatorSurface();
  private resilience: Resilience | null = null;
  /** The PIN-guessing limits (session/guess-guard.ts); voucher-code checks report failures here too. */
  readonly guessGuard: GuessLimiter;
  /** CDR writes of calls turned away during shutdown (awaited before the store closes). */
  private readonly turnedAway: TurnedAway;
  private readonly sessions: DaemonSessions;
  private started = false;
  private closing: Promise<void> | null = null;
  /** The settings every session reads, merged once (one copy per live call added ~300 bytes each). */
  private readonly sessionConfig: Config & NonNullable<DaemonDeps['session']>;

  constructor(
    readonly config: Config,
    private readonly deps: DaemonDeps = {},
  ) {
    this.logger = deps.logger ?? createLogger(config.logLevel, { format: config.logFormat });
    this.sessionConfig = { ...config, ...deps.session };
    this.clock = deps.clock ?? systemClock;
    this.asteriskClock = new AsteriskClock(this.clock);
    this.store = deps.store ?? null;
    this.operatorStore =
      deps.operatorStore ?? (deps.store instanceof KnexBillingStore ? deps.store : null);
    this.metrics = deps.metrics ?? (config.api.port !== null ? new Metrics() : null);
    this.guessGuard = new GuessLimiter({
      windowMinutes: config.pinLockoutMinutes,
      callerFailures: config.pinLockoutFailures,
      slowFailures: config.pinSlowFailures,
      slowSeconds: config.pinSlowSeconds,
      refuseFailures: config.pinRefuseFailures,
      node: config.node,
      clock: this.clock,
      // Shared through the database when the daemon has the knex store; else this node's memory.
      log: () =>
        this.operatorStore ? this.activity.wrap(knexGuessLog(this.operatorStore.db)) : null,
      logger: this.logger,
      dbDeadlineMs: config.resilience.deadlineMs,
    });
    this.ids = new IdFactory(config.node, deps.bootId);
    this.turnedAway = new TurnedAway(config.node, this.logger);
    this.ari = createAriSwitch({
      url: config.ari.url,
      username: config.ari.username,
      password: config.ari.password,
      app: config.ari.app,
      logger: this.logger,
      newPlaybackId: () => this.ids.playback(),
      language: config.language,
      onEvent: (ev) => {
        this.asteriskClock.observe(ev.at);
        this.bridges.observe(ev);
        if (ev.kind !== 'left-bridge') this.router.route(ev);
      },
      track: (request) => this.activity.track(request),
      onConnected: (reconnected) => void this.onConnected(reconnected),
      // The last moment the link was heard, not when its loss was noticed, proves live calls up.
      onProven: (at) => this.book.linkHeard(at),
      now: () => this.asteriskClock.now(),
      onDisconnected: () => {
        this.bridges.connectionLost();
        this.jobs?.liveCheck.connectionLost(this.asteriskClock.now());
      },
      ...(deps.ari ? { timing: deps.ari } : {}),
    });
    this.control = withCleanupRetries(this.ari.control, { clock: this.clock, logger: this.logger });
    this.bridges = new BridgePool({ control: this.control, ids: this.ids, maxIdle: POOL_MAX_IDLE });
    this.sessions = new DaemonSessions({
      registry: this.registry,
      control: this.control,
      logger: this.logger,
      // Sessions compare their moments with Asterisk's answer/end stamps: Asterisk's clock.
      clock: this.asteriskClock,
      wallClock: this.clock,
      book: this.book,
      ids: this.ids,
      bridges: this.bridges,
      config: this.sessionConfig,
      store: () => this.billingStore,
      operatorStore: () => this.sessionGrants,
      metrics: this.metrics,
      pinGuard: this.guessGuard,
      accepting: () => this.closing === null,
      claim: (session) => this.router.claim(session),
    });
    this.router = new CallRouter({
      registry: this.registry,
      control: this.control,
      logger: this.logger,
      newSession: (offered) => this.sessions.call(offered),
      turnedAway: (offered, reason) => {
        this.metrics?.callFinished(reason);
        this.turnedAway.record(this.store, offered, reason);
      },
      maxSetups: config.maxSetups,
    });
  }

  /** Restart reconciliation (session/reconcile.ts), for tests and operators. */
  get reconciler(): Reconciler {
    if (!this.jobs) throw new Error('the daemon is not started');
    return this.jobs.reconciler;
  }

  /** The talk-time checkpoint job (session/checkpointer.ts), for `runOnce` in tests. */
  get checkpointer(): Checkpointer | null {
    return this.jobs?.checkpointer ?? null;
  }

  /** Callback calls (POST /callbacks, `astbill callback`); needs the knex store. */
  get callbacks(): CallbackService {
    if (!this.callbackService)
      throw new Error('callbacks need a started daemon with the knex store');
    return this.callbackService;
  }

  get billingStore(): BillingStore {
    if (!this.store) throw new Error('the daemon is not started');
    return this.store;
  }

  /** The housekeeping sweep (for `runOnce` in tests and the API). */
  get housekeeping(): Housekeeping {
    if (!this.jobs) throw new Error('the daemon is not started');
    return this.jobs.housekeeping;
  }

  async start(opts: StartOptions = {}): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (!this.store) {
      const opened = await openStore(this.config.db, {
        pinSecret: this.config.pinSecret ?? undefined,
        pinMinLength: this.config.pinMinLength,
        answerBatchMs: this.config.answerBatchMs,
        mail: this.config.mail !== null,
      });
      this.store = opened.store;
      this.operatorStore ??= opened.store;
      this.closeStore = opened.close;
    }
    // Its reads (Asterisk's CDR for an unseen end) count as activity, as the store's do.
    const checkpoints = this.operatorStore
      ? this.activity.wrap(knexCheckpoints(this.operatorStore.db))
      : null;
    const unseen = new UnseenEnds({
      policy: this.config.recovery.unseenEnd,
      asteriskCdr: checkpoints,
      logger: this.logger,
    });
    if (this.deps.resilience !== false) {
      // Wrapped before anything else uses the store, so housekeeping and sessions both get deadlines and the journal.
      this.resilience = await startResilience(this.store, this.config.resilience, {
        logger: this.logger,
        ...(this.deps.replayTimer ? { timer: this.deps.replayTimer } : {}),
        now: () => this.asteriskClock.now(),
        unseen,
        // Only ordinary calls run on outage grants (callbacks authorise on the database itself).
        limitTo: (uniqueid, maxSeconds) => {
          const s = this.registry.byUniqueid(uniqueid);
          if (s && 'limitTo' in s) s.limitTo(uniqueid, maxSeconds);
        },
      });
      this.store = this.resilience.store;
    }
    this.store = this.activity.wrap(this.store);
    this.sessionGrants = this.operatorStore ? this.activity.wrap(this.operatorStore) : null;
    this.jobs = buildJobs({
      config: this.config,
      store: this.store,
      checkpoints,
      unseen,
      blocked: this.operatorStore,
      control: this.control,
      registry: this.registry,
      ids: this.ids,
      bridges: this.bridges,
      clock: this.clock,
      asteriskClock: this.asteriskClock,
      logger: this.logger,
      sessions: this.sessions,
      book: this.book,
    });
    if (this.deps.housekeeping ?? true) this.jobs.housekeeping.start();
    this.jobs.checkpointer?.start();
    this.jobs.blockSweep?.start();
    this.callbackService = this.sessions.callbackService(this.config.node);
    await this.surface.start({
      config: this.config,
      logger: this.logger,
      ops: this.operatorStore,
      resilient: this.resilience?.store,
      journalBacklog: this.deps.journalBacklog,
      metrics: this.metrics,
      ariConnected: () => this.ari.connected,
      registry: this.registry,
      callbacks: this.callbackService,
    });
    this.ari.start();
    this.logger.info('astbill daemon started', {
      node: this.config.node,
      app: this.config.ari.app,
      ari: this.config.ari.url,
      db: this.config.db.client,
    });
    if (opts.waitForAsteriskMs) {
      const ok = await this.ari.waitConnected(opts.waitForAsteriskMs);
      if (!ok)
        this.logger.warn('Asterisk not reachable yet; still trying', { url: this.config.ari.url });
    }
  }

  /** Live calls (sessions not yet settled). */
  get liveCalls(): number {
    return this.registry.size;
  }

  /**
   * Resolves once the daemon has done all it can without hearing more from Asterisk or a timer:
   * no store call and no ARI request in flight. With the simulator's `delivered()` (every event
   * read) this is what a test waits for before it moves the clock.
   */
  settled(): Promise<void> {
    return this.activity.idle();
  }

  /** Resolves when no session is live, or after `ms` (false). */
  async idle(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.registry.size > 0) {
      if (Date.now() >= deadline) return false;
      await Promise.race([
        Promise.all(this.registry.sessions().map((s) => s.finished)),
        new Promise((r) => setTimeout(r, 50)),
      ]);
    }
    return true;
  }

  close(opts: { drainSeconds?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(opts.drainSeconds ?? this.deps.drainSeconds ?? 10);
    return this.closing;
  }

  private async shutdown(drainSeconds: number): Promise<void> {
    this.router.stopAccepting();
    await this.jobs?.housekeeping.close();
    await this.jobs?.checkpointer?.close();
    await this.jobs?.blockSweep?.close();
    await this.jobs?.liveCheck.close();
    await this.jobs?.reconciler.close();
    await this.surface.stopSenders();
    if (this.registry.size > 0) {
      this.logger.info('draining live calls', { calls: this.registry.size, seconds: drainSeconds });
      if (!(await this.idle(drainSeconds * 1000))) {
        const left = this.registry.sessions();
        this.logger.warn('ending calls still up at shutdown', { calls: left.length });
        await Promise.allSettled(left.map((s) => killCall(s, 'shutdown', this.logger)));
        await this.idle(10_000);
      }
    }
    await this.surface.closeApi();
    await this.bridges.close();
    this.control.close();
    await this.ari.close();
    await this.turnedAway.written();
    await this.resilience?.close();
    if (this.closeStore) await this.closeStore();
    this.logger.info('astbill daemon stopped');
  }

  /** ARI connections whose post-connect checks (resync, reconciliation) are done; tests wait on it. */
  connectChecksDone = 0;

  private async onConnected(reconnected: boolean): Promise<void> {
    try {
      await this.postConnect(reconnected);
    } finally {
      this.connectChecksDone += 1;
    }
  }

  private async postConnect(reconnected: boolean): Promise<void> {
    if (reconnected) this.metrics?.ariReconnected();
    try {
      // Sessions of this run whose channels vanished during an outage end first (billed by the
      // rule for an unseen end); then this node's reservations that no session holds are
      // reconciled and our leftovers deleted.
      const jobs = this.jobs;
      jobs?.liveCheck.connected();
      if (reconnected) await (jobs ? jobs.liveCheck.run() : this.router.resync());
      await jobs?.reconciler.request();
      await jobs?.housekeeping.sweepOrphans();
    } catch (err) {
      this.logger.warn('post-connect checks failed', { error: errorText(err) });
    }
  }

  /** Where the HTTP API listens (null when it is not running). */
  get apiAddress(): { address: string; port: number } | null {
    return this.surface.apiAddress;
  }
}

/** Creates and starts a daemon. */
export async function startDaemon(
  config: Config,
  deps: DaemonDeps = {},
  opts: StartOptions = {},
): Promise<Daemon> {
  const daemon = new Daemon(config, deps);
  try {
    await daemon.start(opts);
  } catch (err) {
    await daemon.close({ drainSeconds: 0 }).catch(() => undefined);
    throw err;
  }
  return daemon;
}

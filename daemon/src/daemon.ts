/**
 * The billing daemon, composed: config → store → ARI connection → call sessions, plus the
 * housekeeping job, the HTTP API with its metrics (when ASTBILL_API_PORT is set) and the daily
 * report schedule (when ASTBILL_REPORT_CRON is set). `start()` opens the store and starts the
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
import { createAriSwitch, type AriSwitch, type AriSwitchOptions } from './ari/index.js';
import {
  createApiServer,
  dbGaugeSources,
  Metrics,
  type ApiServer,
  type LiveCallInfo,
} from './api/index.js';
import { ReportSchedule } from './reports/schedule.js';
import { WebhookWorker } from './notify/webhook-worker.js';
import { KnexBillingStore, openStore } from './store/index.js';
import { startResilience, type Resilience } from './resilience/open.js';
import type { ReplayTimer } from './resilience/replayer.js';
import { CallRouter } from './session/call-router.js';
import { CallSession, namesDestination, type SessionConfig } from './session/call-session.js';
import { systemClock, type DaemonClock } from './session/clock.js';
import { Housekeeping } from './session/housekeeping.js';
import { IdFactory } from './session/ids.js';
import type { CallOffered } from './session/call-events.js';
import { killCall, killCallById } from './session/kill-call.js';
import { GuessLimiter } from './session/guess-limiter.js';
import { knexGuessLog } from './store/pin-failures.js';
import { noSessionMetrics, type BillingStore } from './session/ports.js';
import { SessionRegistry } from './session/registry.js';
import { Checkpointer } from './session/checkpointer.js';
import { Reconciler, type AdoptableCall } from './session/reconcile.js';
import { knexCheckpoints, type CheckpointStore } from './store/checkpoints.js';
import { LiveCheck, LivenessBook } from './session/live-check.js';
import { UnseenEnds } from './session/unseen-end.js';
import { withCleanupRetries, type RetryingControl } from './session/cleanup-retry.js';
import { OrphanSweep } from './session/orphan-sweep.js';
import { CallbackService } from './session/callback-service.js';
import { CallbackSession, type AdoptableCallback } from './session/callback-session.js';
import type { LiveSession } from './session/live-session.js';

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
  session?: Partial<
    Pick<
      SessionConfig,
      'maxDestinationAttempts' | 'limitGraceSeconds' | 'hangupWaitSeconds' | 'ringGuardSeconds'
    >
  >;
  /** Seconds close() lets live calls run before it ends them (default 10). */
  drainSeconds?: number;
  /**
   * The knex store behind the API, the metrics gauges and the report schedule. Default: the
   * store the daemon opens, or `store` when that is a KnexBillingStore. Without one the API
   * cannot start (a daemon given some other store and an API port fails at start()).
   */
  operatorStore?: KnexBillingStore;
  /** The Prometheus metrics (default: created when the API is configured, else none). */
  metrics?: Metrics;
  /** Settlements waiting in a local journal, for /health and the metrics (default: the daemon's own journal). */
  journalBacklog?: () => number | Promise<number>;
  /**
   * Database-failure handling (deadlines, settlement journal, outage policy) around the store.
   * On by default; tests that inject an already wrapped store pass false.
   */
  resilience?: false;
  /** What this run's ids (legs, bridges, playbacks) carry after the node (default: wall time; a simulation gives its own, so that ids replay). */
  bootId?: string;
  /** The journal replayer's interval timer (default real time; the chaos simulation runs it on its fake clock). */
  replayTimer?: ReplayTimer;
}

export interface StartOptions {
  /** Wait this long for the first ARI connection (ms, default 0: don't wait; the loop keeps trying). */
  waitForAsteriskMs?: number;
}

export class Daemon {
  readonly registry = new SessionRegistry<LiveSession>();
  readonly ids: IdFactory;
  readonly logger: Logger;
  readonly ari: AriSwitch;
  readonly router: CallRouter;
  /** The ARI call control every part uses: failed hang-ups and bridge deletions are retried. */
  readonly control: RetryingControl;
  private readonly clock: DaemonClock;
  private store: BillingStore | null;
  private operatorStore: KnexBillingStore | null;
  private closeStore: (() => Promise<void>) | null = null;
  private housekeepingJob: Housekeeping | null = null;
  private reconcilerJob: Reconciler | null = null;
  private checkpointJob: Checkpointer | null = null;
  private liveCheckJob: LiveCheck | null = null;
  private unseenEnds: UnseenEnds | null = null;
  private checkpointStore: CheckpointStore | null = null;
  private callbackService: CallbackService | null = null;
  /** Prometheus metrics; null when neither the API nor the caller asked for them. */
  readonly metrics: Metrics | null;
  private api: ApiServer | null = null;
  private reports: ReportSchedule | null = null;
  private webhooks: WebhookWorker | null = null;
  private resilience: Resilience | null = null;
  /** The PIN-guessing limits (session/guess-guard.ts); voucher-code checks report failures here too. */
  readonly guessGuard: GuessLimiter;
  /** CDR writes of calls turned away during shutdown (awaited before the store closes). */
  private readonly turnedAway = new Set<Promise<void>>();
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
      log: () => (this.operatorStore ? knexGuessLog(this.operatorStore.db) : null),
      logger: this.logger,
      dbDeadlineMs: config.resilience.deadlineMs,
    });
    this.ids = new IdFactory(config.node, deps.bootId);
    this.ari = createAriSwitch({
      url: config.ari.url,
      username: config.ari.username,
      password: config.ari.password,
      app: config.ari.app,
      logger: this.logger,
      newPlaybackId: () => this.ids.playback(),
      language: config.language,
      onEvent: (ev) => this.router.route(ev),
      onConnected: (reconnected) => void this.onConnected(reconnected),
      onDisconnected: (_why, silentMs) =>
        this.liveCheckJob?.connectionLost(new Date(this.clock.now().getTime() - silentMs)),
      ...(deps.ari ? { timing: deps.ari } : {}),
    });
    this.control = withCleanupRetries(this.ari.control, { clock: this.clock, logger: this.logger });
    this.router = new CallRouter({
      registry: this.registry,
      control: this.control,
      logger: this.logger,
      newSession: (offered) => this.newSession(offered),
      turnedAway: (offered, reason) => this.recordTurnedAway(offered, reason),
      maxSetups: config.maxSetups,
    });
  }

  /** What every session of this daemon is built with; `self` is the session being built. */
  private sessionDeps(self: () => LiveSession) {
    return {
      store: this.billingStore,
      control: this.control,
      logger: this.logger,
      clock: this.clock,
      ids: this.ids,
      config: this.sessionConfig,
      bind: (channelId: string) => this.registry.bind(channelId, self()),
      onFinished: () => this.registry.remove(self()),
    };
  }

  private newSession(offered: CallOffered): CallSession {
    const session: CallSession = new CallSession(offered, {
      ...this.sessionDeps(() => session),
      metrics: this.metrics ?? noSessionMetrics,
      pinGuard: this.guessGuard,
      ...(this.operatorStore ? { grantStore: this.operatorStore } : {}),
    });
    return session;
  }

  /** Restart reconciliation: a call an earlier run connected, still up in Asterisk, gets a session again. */
  private adoptCall(call: AdoptableCall): boolean {
    if (this.closing) return false;
    const session = this.newSession({
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
    this.registry.add(session);
    void session.adopt(call);
    return true;
  }

  /** Restart reconciliation: a callback an earlier run bridged, still up, gets ONE two-leg session again. */
  private async adoptCallback(call: AdoptableCallback): Promise<boolean> {
    const grants = this.operatorStore;
    if (this.closing || !grants) return false;
    const account = await this.billingStore.accountByName(call.account);
    if (!account) return false;
    const session: CallbackSession = new CallbackSession(
      {
        account,
        a: { number: call.a.number, rate: null },
        b: { number: call.b.number, rate: null },
      },
      { ...this.sessionDeps(() => session), grants },
      call,
    );
    this.registry.add(session);
    void session.adopt(call);
    return true;
  }

  /** Restart reconciliation (session/reconcile.ts), for tests and operators. */
  get reconciler(): Reconciler {
    if (!this.reconcilerJob) throw new Error('the daemon is not started');
    return this.reconcilerJob;
  }

  /** The talk-time checkpoint job (session/checkpointer.ts), for `runOnce` in tests. */
  get checkpointer(): Checkpointer | null {
    return this.checkpointJob;
  }

  /** Callback calls (POST /callbacks, `astbill callback`); needs the knex store. */
  get callbacks(): CallbackService {
    if (!this.callbackService)
      throw new Error('callbacks need a started daemon with the knex store');
    return this.callbackService;
  }

  private newCallbackService(): CallbackService | null {
    const grants = this.operatorStore;
    if (!grants) return null;
    return new CallbackService({
      store: this.billingStore,
      logger: this.logger,
      node: this.config.node,
      now: () => this.clock.now(),
      accepting: () => this.closing === null,
      register: (session) => this.registry.add(session),
      newSession: (order) => {
        const session: CallbackSession = new CallbackSession(order, {
          ...this.sessionDeps(() => session),
          grants,
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
      const opened = await openStore(this.config.db, {
        pinSecret: this.config.pinSecret ?? undefined,
        pinMinLength: this.config.pinMinLength,
      });
      this.store = opened.store;
      this.operatorStore ??= opened.store;
      this.closeStore = opened.close;
    }
    if (this.deps.resilience !== false) {
      // Wrapped before anything else uses the store, so housekeeping and sessions both get deadlines and the journal.
      this.resilience = await startResilience(this.store, this.config.resilience, {
        logger: this.logger,
        ...(this.deps.replayTimer ? { timer: this.deps.replayTimer } : {}),
      });
      this.store = this.resilience.store;
    }
    this.checkpointStore = this.operatorStore ? knexCheckpoints(this.operatorStore.db) : null;
    this.unseenEnds = new UnseenEnds({
      policy: this.config.recovery.unseenEnd,
      asteriskCdr: this.checkpointStore,
      logger: this.logger,
    });
    this.housekeepingJob = new Housekeeping({
      orphans: new OrphanSweep({
        control: this.control,
        registry: this.registry,
        store: this.store,
        ids: this.ids,
        logger: this.logger,
        node: this.config.node,
      }),
      unseen: this.unseenEnds,
      checkpoints: this.checkpointStore,
      store: this.store,
      control: this.control,
      registry: this.registry,
      logger: this.logger,
      clock: this.clock,
      node: this.config.node,
      cron: this.config.housekeepingCron,
      staleMarginSeconds: this.config.staleMargin,
    });
    if (this.deps.housekeeping ?? true) this.housekeepingJob.start();
    this.startRecovery();
    this.callbackService = this.newCallbackService();
    await this.startOperatorSurface();
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
    await this.housekeepingJob?.close();
    await this.checkpointJob?.close();
    await this.liveCheckJob?.close();
    await this.reconcilerJob?.close();
    await this.reports?.close();
    await this.webhooks?.close();
    if (this.registry.size > 0) {
      this.logger.info('draining live calls', { calls: this.registry.size, seconds: drainSeconds });
      if (!(await this.idle(drainSeconds * 1000))) {
        const left = this.registry.sessions();
        this.logger.warn('ending calls still up at shutdown', { calls: left.length });
        await Promise.allSettled(left.map((s) => killCall(s, 'shutdown', this.logger)));
        await this.idle(10_000);
      }
    }
    await this.api?.close();
    this.control.close();
    await this.ari.close();
    await Promise.allSettled([...this.turnedAway]);
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
      this.liveCheckJob?.connected();
      if (reconnected) await (this.liveCheckJob ? this.liveCheckJob.run() : this.router.resync());
      if (this.reconcilerJob) await this.reconcilerJob.request();
      else await this.cleanLeftoverBridges();
      await this.housekeepingJob?.sweepOrphans();
    } catch (err) {
      this.logger.warn('post-connect checks failed', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /** Restart reconciliation (run on every ARI connection) and periodic talk-time checkpoints. */
  private startRecovery(): void {
    const store = this.billingStore;
    const { recovery } = this.config;
    const checkpoints = this.checkpointStore;
    const unseen = this.unseenEnds!;
    const book = new LivenessBook();
    this.liveCheckJob = new LiveCheck({
      control: this.control,
      registry: this.registry,
      book,
      unseen,
      clock: this.clock,
      logger: this.logger,
      gapPollSeconds: recovery.gapPollSeconds,
    });
    this.reconcilerJob = new Reconciler({
      unseen,
      store,
      checkpoints,
      control: this.control,
      registry: this.registry,
      ids: this.ids,
      clock: this.clock,
      logger: this.logger,
      node: this.config.node,
      adopt: (call) => this.adoptCall(call),
      adoptCallback: (call) => this.adoptCallback(call),
      retrySeconds: recovery.reconcileRetrySeconds,
    });
    if (!checkpoints) return;
    this.checkpointJob = new Checkpointer({
      store,
      checkpoints,
      control: this.control,
      registry: this.registry,
      clock: this.clock,
      logger: this.logger,
      node: this.config.node,
      intervalSeconds: recovery.checkpointSeconds,
      book,
    });
    this.checkpointJob.start();
  }

  /** The HTTP API (ASTBILL_API_PORT) with its metrics, and the daily report schedule (ASTBILL_REPORT_CRON). */
  private async startOperatorSurface(): Promise<void> {
    const { config, logger } = this;
    const ops = this.operatorStore;
    const resilient = this.resilience?.store;
    const backlog = this.deps.journalBacklog ?? (() => resilient?.pending() ?? 0);
    if (ops) {
      if (config.reports)
        this.reports = new ReportSchedule({ knex: ops.db.knex, ...config.reports, logger });
      this.reports?.start();
      if (config.webhook)
        this.webhooks = new WebhookWorker({ store: ops, config: config.webhook, logger });
      this.webhooks?.start();
      this.metrics?.setSources(dbGaugeSources(ops, config.node, backlog));
    }
    if (config.api.port === null) return;
    if (!ops) throw new Error('the HTTP API needs the knex store (DaemonDeps.operatorStore)');
    this.api = createApiServer(config.api, {
      store: ops,
      node: config.node,
      status: { ariConnected: () => this.ari.connected, journalBacklog: backlog },
      hangup: (id) => killCallById(this.registry, id, 'operator', logger, { wait: false }),
      liveCalls: { liveCalls: () => this.liveCallInfo() },
      callbacks: this.callbackService ?? undefined,
      payments: config.payments,
      metrics: this.metrics ?? new Metrics(),
      log: logger,
    });
    await this.api?.start();
  }

  /** Where the HTTP API listens (null when it is not running). */
  get apiAddress(): { address: string; port: number } | null {
    return this.api ? this.api.address() : null;
  }

  /** The calls this daemon is handling, for GET /calls. */
  private liveCallInfo(): LiveCallInfo[] {
    return this.registry.sessions().map((s) => s.info());
  }

  /** A call turned away (shutdown, overload): hung up by the router; here it gets its FAILED SHUTDOWN/OVERLOAD CDR. */
  private recordTurnedAway(
    offered: CallOffered,
    reason: 'SHUTDOWN' | 'OVERLOAD' = 'SHUTDOWN',
  ): void {
    this.metrics?.callFinished(reason);
    const store = this.store;
    if (!store) return;
    const write: Promise<void> = store
      .recordRefusal({
        uniqueid: offered.channelId,
        accountId: null,
        src: offered.callerNumber,
        dst: namesDestination(offered.dialled) ? offered.dialled : '',
        reason,
        node: this.config.node,
        start: offered.at,
      })
      .catch((err: unknown) => {
        this.logger.error('could not record a call turned away at shutdown', {
          channel: offered.channelId,
          error: err instanceof Error ? err.message : String(err),
        });
      });
    this.turnedAway.add(write);
    void write.finally(() => this.turnedAway.delete(write));
  }

  /**
   * Empty bridges with our ids that no live session owns are leftovers (e.g. after a SIGKILL);
   * Asterisk keeps the app inactive while it owns any, so they are deleted at connect time.
   */
  private async cleanLeftoverBridges(): Promise<void> {
    const bridges = await this.control.listBridges();
    for (const b of bridges) {
      // Bridges of this run belong to live sessions; only earlier runs' empty ones are leftovers.
      if (!this.ids.isOurs(b.id) || this.ids.isThisRun(b.id) || b.channels.length > 0) continue;
      this.logger.warn('deleting a leftover bridge', { bridge: b.id });
      await this.control.destroyBridge(b.id).catch(() => undefined);
    }
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

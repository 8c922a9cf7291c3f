/**
 * The daemon's operator surface: the HTTP API with its metrics (ASTBILL_API_PORT), the daily
 * report schedule (ASTBILL_REPORT_CRON) and the outbox workers (webhook, mail). daemon.ts starts
 * it once the store and jobs are up; at shutdown the senders stop before live calls drain and
 * the API closes after them, so an operator can watch and hang up calls while they drain.
 */
import type { Config } from './config.js';
import type { Logger } from './log.js';
import {
  createApiServer,
  dbGaugeSources,
  Metrics,
  type ApiServer,
  type LiveCallInfo,
} from './api/index.js';
import { ReportSchedule } from './reports/schedule.js';
import { webhookTransport } from './notify/webhook-worker.js';
import { mailTransport } from './notify/mail-transport.js';
import { OutboxWorker } from './notify/outbox-worker.js';
import type { KnexBillingStore } from './store/index.js';
import { OperatorStore } from './store/operators/index.js';
import type { ResilientStore } from './resilience/resilient-store.js';
import type { CallbackService } from './session/callback-service.js';
import { killCallById } from './session/kill-call.js';
import type { LiveSession } from './session/live-session.js';
import type { SessionRegistry } from './session/registry.js';

export interface SurfaceParts {
  config: Config;
  logger: Logger;
  /** The knex store behind the API, gauges, reports and outbox; null: only the API refuses. */
  ops: KnexBillingStore | null;
  /** The store's journal wrapper (for /health and the backlog gauges); absent without resilience. */
  resilient: ResilientStore | undefined;
  journalBacklog: (() => number | Promise<number>) | undefined;
  metrics: Metrics | null;
  ariConnected: () => boolean;
  registry: SessionRegistry<LiveSession>;
  callbacks: CallbackService | null;
}

export class OperatorSurface {
  private api: ApiServer | null = null;
  private reports: ReportSchedule | null = null;
  /** One outbox worker per configured channel (webhook, mail). */
  private outboxWorkers: OutboxWorker[] = [];

  async start(p: SurfaceParts): Promise<void> {
    const { config, logger, ops, resilient, registry } = p;
    const backlog = p.journalBacklog ?? (() => resilient?.pending() ?? 0);
    const oldest = () => resilient?.oldestPending() ?? null;
    if (ops) {
      if (config.reports)
        this.reports = new ReportSchedule({ knex: ops.db.knex, ...config.reports, logger });
      this.reports?.start();
      const transports = [
        ...(config.webhook ? [webhookTransport(config.webhook)] : []),
        ...(config.mail ? [mailTransport(config.mail)] : []),
      ];
      this.outboxWorkers = transports.map(
        (transport) => new OutboxWorker({ store: ops, transport, logger }),
      );
      for (const w of this.outboxWorkers) w.start();
      p.metrics?.setSources({
        ...dbGaugeSources(ops, config.node, backlog),
        journalOldest: oldest,
      });
    }
    if (config.api.port === null) return;
    if (!ops) throw new Error('the HTTP API needs the knex store (DaemonDeps.operatorStore)');
    this.api = createApiServer(config.api, {
      store: ops,
      node: config.node,
      status: { ariConnected: p.ariConnected, journalBacklog: backlog, journalOldest: oldest },
      hangup: (id) => killCallById(registry, id, 'operator', logger, { wait: false }),
      liveCalls: {
        liveCalls: (): LiveCallInfo[] => registry.sessions().map((s) => s.info()),
      },
      callbacks: p.callbacks ?? undefined,
      payments: config.payments,
      metrics: p.metrics ?? new Metrics(),
      log: logger,
      operators: new OperatorStore(ops.db),
    });
    await this.api?.start();
  }

  /** Stops the report schedule and the outbox workers (before live calls drain). */
  async stopSenders(): Promise<void> {
    await this.reports?.close();
    for (const w of this.outboxWorkers) await w.close();
  }

  /** Closes the HTTP API (after live calls drained). */
  async closeApi(): Promise<void> {
    await this.api?.close();
  }

  /** Where the HTTP API listens (null when it is not running). */
  get apiAddress(): { address: string; port: number } | null {
    return this.api ? this.api.address() : null;
  }
}

/**
 * Prometheus instruments of one daemon, in their own registry (never prom-client's global one,
 * so that two daemons in one process, e.g. in tests, do not share counters).
 *
 * The session, ari and store code report through the `BillingMetrics` interface and never import
 * prom-client; `/metrics` (see routes.ts) renders `Metrics.registry`.
 *
 * Money is exported as integer minor units (1/100000 of the currency unit, as everywhere in
 * astbill): Prometheus samples are floats, and integers below 2^53 stay exact in them.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Money } from '../rating/index.js';
import { CALL_OUTCOMES, type CallOutcome } from '../domain/cdr-vocabulary.js';
import type { SessionMetrics } from '../session/ports.js';

/** What a call attempt ended as: a CDR disposition, or the reason it was refused before dialling. */
export type { CallOutcome };

/** Read at scrape time, so that the gauges are never stale. Each may be sync or async. */
export interface GaugeSources {
  liveCalls?: () => number | Promise<number>;
  reservedMoney?: () => Money | Promise<Money>;
  journalBacklog?: () => number | Promise<number>;
  /** When the oldest journalled settlement was written (null: the journal is empty). */
  journalOldest?: () => Date | null;
}

/** What the rest of the daemon calls (sessions see only the `SessionMetrics` part). A no-op implementation is `noMetrics`. */
export interface BillingMetrics extends SessionMetrics {
  /** The ARI connection was re-established after a loss. */
  ariReconnected(): void;
  /** Push-style gauge updates, for code that prefers them to `GaugeSources`. */
  setLiveCalls(n: number): void;
  setReservedMoney(amount: Money): void;
  setJournalBacklog(n: number): void;
}

export const noMetrics: BillingMetrics = {
  callFinished() {},
  observeAuthorise() {},
  settlementFailed() {},
  ariReconnected() {},
  setLiveCalls() {},
  setReservedMoney() {},
  setJournalBacklog() {},
};

/** Authorise runs one short transaction: most land in milliseconds; the top buckets catch lock waits. */
export const AUTHORISE_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface MetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event-loop lag) with the astbill_ prefix. Default true. */
  processMetrics?: boolean;
  sources?: GaugeSources;
}

export class Metrics implements BillingMetrics {
  readonly registry = new Registry();
  private sources: GaugeSources;
  private pushed = { liveCalls: 0, reserved: 0n as Money, journalBacklog: 0 };

  private readonly calls: Counter<'outcome'>;
  private readonly authorise: Histogram;
  private readonly settlementFailures: Counter;
  private readonly ariReconnects: Counter;

  constructor(opts: MetricsOptions = {}) {
    this.sources = { ...opts.sources };
    const registers = [this.registry];
    this.calls = new Counter({
      name: 'astbill_calls_total',
      help: 'Call attempts that reached the daemon, by outcome (CDR disposition, or refusal reason such as NOCREDIT).',
      labelNames: ['outcome'],
      registers,
    });
    this.authorise = new Histogram({
      name: 'astbill_authorise_duration_seconds',
      help: 'Time taken by the authorise transaction (credit check and reservation).',
      buckets: AUTHORISE_BUCKETS,
      registers,
    });
    this.settlementFailures = new Counter({
      name: 'astbill_settlement_failures_total',
      help: 'Settlements that could not be written to the database and went to the local journal.',
      registers,
    });
    this.ariReconnects = new Counter({
      name: 'astbill_ari_reconnects_total',
      help: 'Times the ARI connection to Asterisk was re-established after it was lost.',
      registers,
    });
    // Gauges read their source at scrape time when one is set, else the last pushed value.
    const live = async () =>
      this.sources.liveCalls ? this.sources.liveCalls() : this.pushed.liveCalls;
    const reserved = async () =>
      this.sources.reservedMoney ? this.sources.reservedMoney() : this.pushed.reserved;
    const backlog = async () =>
      this.sources.journalBacklog ? this.sources.journalBacklog() : this.pushed.journalBacklog;
    new Gauge({
      name: 'astbill_live_calls',
      help: 'Calls holding a reservation right now.',
      registers,
      async collect() {
        this.set(await live());
      },
    });
    new Gauge({
      name: 'astbill_reserved_money_minor_units',
      help: 'Money reserved by live calls, in minor units (100000 = one currency unit).',
      registers,
      async collect() {
        this.set(Number(await reserved()));
      },
    });
    const sources = () => this.sources;
    new Gauge({
      name: 'astbill_journal_oldest_age_seconds',
      help: 'Age of the oldest settlement waiting in the local journal (0: the journal is empty).',
      registers,
      collect() {
        const at = sources().journalOldest?.() ?? null;
        this.set(at === null ? 0 : Math.max(0, Math.floor((Date.now() - at.getTime()) / 1000)));
      },
    });
    new Gauge({
      name: 'astbill_journal_backlog',
      help: 'Settlements waiting in the local journal for the database.',
      registers,
      async collect() {
        this.set(await backlog());
      },
    });
    // Every outcome starts at 0, so that rate() and absent-series alerts work from the first scrape.
    for (const outcome of CALL_OUTCOMES) this.calls.labels(outcome).inc(0);
    if (opts.processMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: 'astbill_' });
  }

  /** Sets or replaces where the gauges read from (the daemon wires this once it has its parts). */
  setSources(sources: GaugeSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  callFinished(outcome: CallOutcome): void {
    this.calls.labels(outcome).inc();
  }

  observeAuthorise(seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.authorise.observe(seconds);
  }

  settlementFailed(): void {
    this.settlementFailures.inc();
  }

  ariReconnected(): void {
    this.ariReconnects.inc();
  }

  setLiveCalls(n: number): void {
    this.pushed.liveCalls = n;
  }

  setReservedMoney(amount: Money): void {
    this.pushed.reserved = amount;
  }

  setJournalBacklog(n: number): void {
    this.pushed.journalBacklog = n;
  }

  /** The text exposition format (what GET /metrics returns). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

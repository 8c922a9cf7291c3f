/**
 * `astbill demo`, composed: a fresh SQLite database (migrated, seeded from scenario.ts), the ARI
 * simulator on a free port on the real clock, the real daemon in-process against it (quiet: its
 * log goes to a file), the scripted calls placed on schedule with a live table, then a wait until
 * every call has ended and settled, the checks of verify.ts, and everything closed.
 *
 *   const result = await runDemo({ fast: false, dataDir: './data', live: { tty: true, write } });
 */
import { mkdirSync, rmSync } from 'node:fs';
import { resolve, join, dirname } from 'node:path';
import { loadConfig, parseDbUrl } from '../config.js';
import { startDaemon, type Daemon } from '../daemon.js';
import { parseMoney, type Money } from '../rating/index.js';
import { AriSimulator, type Clock } from '../sim/index.js';
import type { TimerHandle } from '../sim/clock.js';
import { openStore, type KnexBillingStore } from '../store/index.js';
import { showMoney } from '../cli/format.js';
import { LiveTable } from './live-table.js';
import { callResult, cdrsOf, liveRow, type Tracked } from './call-rows.js';
import { displayPath, intro, muteSwaggerNotice, quietLogger } from './demo-output.js';
import type { DemoResult } from './report.js';
import {
  BANDED_TARIFF,
  DEMO_TARIFF,
  PEAK_TARIFF,
  demoScenario,
  type DemoCall,
  type DemoRate,
  type DemoScenario,
} from './scenario.js';
import { verify, type AccountResult, type CallResult } from './verify.js';

export interface DemoOptions {
  fast?: boolean;
  /** Where the database and the daemon log go (default ./data); both are replaced on every run. */
  dataDir?: string;
  /** The live table; omit for no progress output (--json). */
  live?: { tty: boolean; columns?: number | undefined; write(text: string): void };
  /** Gives up waiting for the calls after this long (ms). */
  timeoutMs?: number;
  /** Extra daemon settings (demo --console: the API port and token). */
  daemonEnv?: Record<string, string>;
  /** Runs after the scripted calls and the verdict, before anything closes (demo --console). */
  keepUp?: (parts: DemoParts) => Promise<void>;
}

export interface DemoParts {
  sim: AriSimulator;
  daemon: Daemon;
  store: KnexBillingStore;
  result: DemoResult;
}

const TICK_MS = 150;

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const started = Date.now();
  const scenario = demoScenario({ fast: opts.fast ?? false });
  const dataDir = resolve(opts.dataDir ?? 'data');
  mkdirSync(dataDir, { recursive: true });
  const dbFile = join(dataDir, 'demo.sqlite');
  const logFile = join(dataDir, 'demo-daemon.log');
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`, `${dbFile}-journal`, logFile])
    rmSync(f, { force: true });

  const restoreConsole = muteSwaggerNotice();
  const log = quietLogger(logFile);
  const closers: Array<() => Promise<void>> = [];
  let result: DemoResult;
  try {
    const { store, close: closeStore } = await openStore(parseDbUrl(`sqlite:${dbFile}`), {
      schema: 'auto',
    });
    closers.unshift(closeStore);
    const starts = await seed(store, scenario);

    // Asterisk's clock is set so that the band-split call is due a few seconds in (a real Asterisk
    // keeps real time; only the simulated one is shifted, by less than a minute).
    const clock = new ShiftedClock(alignedOffset(Date.now(), bandCallSecond(scenario)));
    await seedPeak(store, clock.now());
    const sim = await AriSimulator.start({
      clock,
      rules: scenario.farEnds,
      recordEvents: true,
      historyLimit: 10_000,
    });
    closers.unshift(() => sim.close());
    const config = loadConfig({
      ...scenario.daemonEnv,
      ASTBILL_DB: `sqlite:${dbFile}`,
      ASTBILL_JOURNAL_DIR: join(dirname(dbFile), 'demo-journal'),
      ARI_URL: sim.url,
      ARI_USERNAME: sim.username,
      ARI_PASSWORD: sim.password,
      ASTBILL_LOG_LEVEL: 'info',
      ...opts.daemonEnv,
    });
    const daemon = await startDaemon(
      config,
      { store, logger: log.logger, housekeeping: false, drainSeconds: 1 },
      { waitForAsteriskMs: 10_000 },
    );
    closers.unshift(() => daemon.close({ drainSeconds: 0 }));
    await sim.waitUntil(() => sim.appConnected(config.ari.app), { timeoutMs: 10_000 });

    const shown = displayPath(dbFile);
    opts.live?.write(intro(scenario, sim.url, shown, displayPath(logFile)));
    const tracked = await playCalls(scenario, sim, daemon, store, opts);

    await waitFor(() => daemon.liveCalls === 0, 5_000);
    const reservationsLeft = (await store.reservations()).length;
    const cdrs = await store.cdrs();
    const calls: CallResult[] = [];
    for (const t of tracked) {
      const r = callResult(t, cdrs, sim);
      for (const cdr of r.cdrs) r.attempts.push(...(await store.callAttempts(cdr.uniqueid)));
      calls.push(r);
    }
    const accounts: AccountResult[] = [];
    for (const a of scenario.accounts) {
      const details = await store.accountDetails(a.name);
      if (!details) throw new Error(`demo account ${a.name} vanished`);
      const charged = cdrs.filter((c) => c.account === a.name).reduce((sum, c) => sum + c.cost, 0n);
      accounts.push({
        name: a.name,
        start: starts.get(a.name)!,
        end: details.balance,
        reserved: details.reserved,
        ledgerSum: await store.ledgerSum(details.id),
        charged,
      });
    }
    const verdict = verify(calls, accounts, reservationsLeft);
    result = {
      fast: scenario.fast,
      database: shown,
      daemonLog: displayPath(logFile),
      runtimeMs: 0,
      calls,
      accounts,
      reservationsLeft,
      verdict,
      daemonWarnings: 0,
    };
    if (opts.keepUp) await opts.keepUp({ sim, daemon, store, result });
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    await log.close();
    restoreConsole();
  }
  result.daemonWarnings = log.warnings();
  result.runtimeMs = Date.now() - started;
  return result;
}

const toRate = (tariff: string) => (r: DemoRate) => ({
  tariff,
  prefix: r.prefix,
  description: r.description,
  ratePerMin: parseMoney(r.rate),
  connectFee: parseMoney(r.connect),
  initialSecs: r.initial,
  incrementSecs: r.increment,
  minSecs: 0,
});

/**
 * The banded tariff's peak: the one minute of the day (UTC, that weekday) that begins at the first
 * whole minute after `simNow` + 5 s, so the band-split call placed 2 s before it crosses into it.
 */
async function seedPeak(store: KnexBillingStore, simNow: number): Promise<void> {
  const start = new Date(Math.ceil((simNow + 5000) / 60_000) * 60_000);
  const from = start.getUTCHours() * 60 + start.getUTCMinutes();
  const weekday = start.getUTCDay() === 0 ? 7 : start.getUTCDay();
  await store.setBands({
    tariff: BANDED_TARIFF,
    zone: 'UTC',
    bands: [{ name: 'peak', days: [weekday], from, to: from + 1, bandTariff: PEAK_TARIFF }],
  });
}

async function seed(store: KnexBillingStore, s: DemoScenario): Promise<Map<string, Money>> {
  await store.upsertRates([
    ...s.bandedRates.map(toRate(BANDED_TARIFF)),
    ...s.peakRates.map(toRate(PEAK_TARIFF)),
  ]);
  await store.upsertRates(
    s.rates.map((r) => ({
      tariff: DEMO_TARIFF,
      prefix: r.prefix,
      description: r.description,
      ratePerMin: parseMoney(r.rate),
      connectFee: parseMoney(r.connect),
      initialSecs: r.initial,
      incrementSecs: r.increment,
      minSecs: 0,
    })),
  );
  for (const t of s.trunks) {
    await store.addTrunk({
      name: t.name,
      dial: t.dial,
      stripDigits: 0,
      techPrefix: t.techPrefix,
      maxChannels: null,
      enabled: true,
    });
    await store.upsertBuyRates(
      t.name,
      t.rates.map((r) => ({
        tariff: t.name,
        prefix: r.prefix,
        description: '',
        ratePerMin: parseMoney(r.rate),
        connectFee: 0n,
        initialSecs: r.initial,
        incrementSecs: r.increment,
        minSecs: 0,
      })),
    );
  }
  const starts = new Map<string, Money>();
  for (const a of s.accounts) {
    const balance = parseMoney(a.balance);
    await store.addAccount({
      name: a.name,
      balance,
      tariff: a.tariff ?? DEMO_TARIFF,
      pin: a.pin,
      anis: a.anis,
    });
    starts.set(a.name, balance);
  }
  return starts;
}

/** Places the calls on schedule, keys the card caller's digits, shows the live table, until all are done. */
async function playCalls(
  s: DemoScenario,
  sim: AriSimulator,
  daemon: Daemon,
  store: KnexBillingStore,
  opts: DemoOptions,
): Promise<Tracked[]> {
  const tracked: Tracked[] = s.calls.map((call) => ({
    call,
    handle: null,
    dtmfSent: false,
    doneAt: null,
  }));
  const byId = new Map(tracked.map((t) => [t.call.id, t]));
  const t0 = Date.now();
  const live = opts.live
    ? new LiveTable({
        headers: ['call', 'account', 'from', 'to', 'state', 'talk', 'money'],
        tty: opts.live.tty,
        columns: opts.live.columns,
        write: opts.live.write,
        elapsedMs: () => Date.now() - t0,
      })
    : null;
  const deadline = t0 + (opts.timeoutMs ?? (s.fast ? 60_000 : 120_000));
  for (;;) {
    const now = Date.now();
    for (const t of tracked) {
      if (!t.handle && due(t.call, now - t0, byId, sim.clock.now())) {
        t.handle = sim.placeCall({ ...t.call.phone, app: daemon.config.ari.app });
      }
      if (t.handle && t.call.dtmf && !t.dtmfSent && sim.stateOf(t.handle.channelId) === 'Up') {
        t.dtmfSent = true;
        sim.sendDtmf(t.handle.channelId, t.call.dtmf.digits, {
          delayMs: t.call.dtmf.delayMs,
          gapMs: t.call.dtmf.gapMs,
        });
      }
    }
    const cdrs = await store.cdrs();
    for (const t of tracked) {
      if (t.handle && t.doneAt === null) {
        const mine = cdrsOf(cdrs, t.handle.channelId);
        if (
          sim.ended(t.handle.channelId) &&
          mine.length > 0 &&
          mine.every((c) => c.status === 'settled')
        )
          t.doneAt = Date.now();
      }
    }
    if (live) {
      const accounts = await store.listAccounts();
      live.update(
        tracked.map((t) => liveRow(t, cdrs, sim)),
        accounts.map(
          (a) =>
            `  ${a.name.padEnd(10)} balance ${showMoney(a.balance).padStart(6)}   reserved ${showMoney(a.reserved)}`,
        ),
      );
    }
    if (tracked.every((t) => t.doneAt !== null)) break;
    if (Date.now() > deadline) break;
    await sleep(TICK_MS);
  }
  live?.finish();
  return tracked;
}

function due(call: DemoCall, elapsed: number, byId: Map<string, Tracked>, simNow: number): boolean {
  if ('at' in call.start) return elapsed >= call.start.at;
  if ('secondOfMinute' in call.start) {
    const into = simNow % 60_000;
    return into >= call.start.secondOfMinute && into < call.start.secondOfMinute + 1000;
  }
  const before = byId.get(call.start.after);
  return before?.doneAt != null && Date.now() - before.doneAt >= call.start.delayMs;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(predicate: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** The real clock moved by `offset` ms: the simulated Asterisk's time. */
class ShiftedClock implements Clock {
  readonly kind = 'real' as const;
  constructor(private readonly offset: number) {}
  now(): number {
    return Date.now() + this.offset;
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  }
}

function bandCallSecond(s: DemoScenario): number | null {
  const c = s.calls.find((x) => 'secondOfMinute' in x.start);
  return c && 'secondOfMinute' in c.start ? c.start.secondOfMinute : null;
}

/** The offset (0..60 s) that puts `now` + 3 s at `second` ms into a minute; 0 when none is asked. */
function alignedOffset(now: number, second: number | null): number {
  if (second === null) return 0;
  return (((second - 3000 - now) % 60_000) + 60_000) % 60_000;
}

/**
 * End-to-end rig: the ARI simulator (manual clock, real HTTP + WebSocket) and the real daemon
 * (daemon.ts, real ari-client) on a fresh test database. The daemon opens its own store from
 * ASTBILL_DB, as `astbill start` does; the test seeds and inspects through its own handle.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../daemon/src/config.js';
import { startDaemon, type Daemon, type DaemonDeps } from '../../daemon/src/daemon.js';
import { createLogger } from '../../daemon/src/log.js';
import type { DaemonClock } from '../../daemon/src/session/clock.js';
import { AriSimulator, type FarEndRule } from '../../daemon/src/sim/index.js';
import type { Cdr } from '../../daemon/src/store/cdrs.js';
import type { TestDatabase, TestStore } from '../support/db.js';

export interface E2e {
  sim: AriSimulator;
  daemon: Daemon;
  t: TestStore;
  config: Config;
  /** The daemon's clock when it runs on the simulator's (`daemonOnSimClock`). */
  daemonClock: SimDaemonClock | null;
  /** Moves the simulated Asterisk's clock (timers, far ends, TIMEOUT(absolute), prompts). */
  advance(ms: number): void;
  close(): Promise<void>;
}

export interface E2eOptions {
  rules?: FarEndRule[];
  env?: Record<string, string>;
  deps?: Partial<DaemonDeps>;
  /** Sim-clock start (channel ids derive from it: give a second rig on one database another start). */
  startTime?: number;
  /**
   * Run the daemon's own timers (limit, grant extensions, ring guard) on the simulator's manual
   * clock instead of real time, so that they fire exactly when the simulated Asterisk's do.
   */
  daemonOnSimClock?: boolean;
}

/**
 * A DaemonClock over the simulator's clock; `stop()` freezes it (a killed daemon's timers never
 * fire); `stepWall(ms)` steps its wall time only (NTP, an operator), timers and elapsed time keep going.
 */
export type SimDaemonClock = DaemonClock & { stop(): void; stepWall(ms: number): void };

export function simDaemonClock(sim: AriSimulator): SimDaemonClock {
  let stopped = false;
  let wallOffset = 0;
  return {
    now: () => new Date(sim.clock.now() + wallOffset),
    monotonicMs: () => sim.clock.now(),
    setTimer: (ms, fn) =>
      sim.clock.setTimer(ms, () => {
        if (!stopped) fn();
      }),
    stop: () => {
      stopped = true;
    },
    stepWall: (ms) => {
      wallOffset += ms;
    },
  };
}

export const SIM_START = Date.parse('2026-11-22T10:00:00.000Z');

export async function startE2e(tdb: TestDatabase, opts: E2eOptions = {}): Promise<E2e> {
  const sim = await AriSimulator.start({
    clock: 'manual',
    startTime: opts.startTime ?? SIM_START,
    rules: opts.rules ?? [{ prefix: '', action: 'answer' }],
  });
  const t = await tdb.open();
  const config = loadConfig({
    ASTBILL_DB: tdb.url,
    ARI_URL: sim.url,
    ARI_USERNAME: sim.username,
    ARI_PASSWORD: sim.password,
    ARI_APP: 'astbill',
    ASTBILL_DIAL: 'Local/{number}@pstn-sim',
    ASTBILL_NODE: 'e2e',
    ASTBILL_ANNOUNCE: 'false',
    ASTBILL_WARN_BEFORE: '0',
    // The answer batch waits on real time while these tests step a manual clock past checkpoint
    // ticks at once: marks are written at once here (test/recovery/answer-window.test.ts and
    // test/e2e/round-trips.test.ts run the batched default).
    ASTBILL_ANSWER_BATCH_MS: '0',
    // Each daemon owns (and locks) its settlement journal.
    ASTBILL_JOURNAL_DIR: mkdtempSync(join(tmpdir(), 'astbill-journal-')),
    ...opts.env,
  });
  const logger = createLogger(process.env.ASTBILL_TEST_LOG ?? 'error', {
    silent: !process.env.ASTBILL_TEST_LOG,
  });
  const daemonClock = opts.daemonOnSimClock ? simDaemonClock(sim) : null;
  const daemon = await startDaemon(
    config,
    {
      logger,
      housekeeping: false,
      drainSeconds: 1,
      ari: {
        requestTimeoutMs: 3000,
        connectTimeoutMs: 5000,
        pingIntervalMs: 0,
        backoffBaseMs: 50,
        backoffMaxMs: 500,
      },
      ...(daemonClock ? { clock: daemonClock } : {}),
      ...opts.deps,
    },
    { waitForAsteriskMs: 5000 },
  );
  await sim.waitUntil(() => sim.appConnected('astbill'));
  return {
    sim,
    daemon,
    t,
    config,
    daemonClock,
    advance: (ms) => void sim.manualClock.advance(ms),
    async close() {
      await daemon.close({ drainSeconds: 0 });
      await sim.close();
      await t.close();
    },
  };
}

/** Polls `predicate` (real time) until it holds. */
export async function waitFor<T>(
  what: string,
  predicate: () => T | Promise<T>,
  timeoutMs = 5000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await predicate();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The CDR of a call attempt once it is settled. */
export function settledCdr(e: E2e, uniqueid: string, timeoutMs = 5000): Promise<Cdr> {
  return waitFor(
    `settled CDR ${uniqueid}`,
    async () => {
      const cdr = await e.t.store.cdr(uniqueid);
      return cdr?.status === 'settled' ? cdr : undefined;
    },
    timeoutMs,
  );
}

/** True once the A channel sits in a bridge with one other channel and both have TIMEOUT(absolute). */
export function talking(e: E2e, aChannelId: string): boolean {
  const a = e.sim.channel(aChannelId);
  if (!a?.bridgeId || a.absoluteDeadline === undefined) return false;
  const bridge = e.sim.bridges().find((b) => b.id === a.bridgeId);
  if (!bridge || bridge.channels.length !== 2) return false;
  const b = bridge.channels.find((id) => id !== aChannelId);
  return b !== undefined && e.sim.channel(b)?.absoluteDeadline !== undefined;
}

/** The originated leg(s) of a call, from the simulator's live channels and history. */
export function bLegsOf(e: E2e): string[] {
  const live = e.sim
    .liveChannels()
    .filter((c) => c.kind === 'outbound')
    .map((c) => c.id);
  const gone = e.sim
    .endedChannels()
    .filter((c) => c.kind === 'outbound')
    .map((c) => c.id);
  return [...new Set([...gone, ...live])];
}

/** Waits until the daemon has no live call, keeps nothing per call, and no reservation is left. */
export async function quiet(e: E2e): Promise<void> {
  await waitFor('no live call in the daemon', () => e.daemon.liveCalls === 0);
  await waitFor('nothing kept per call (channel bindings, legs, playbacks)', () => {
    const s = e.daemon.ari.stats();
    return (
      e.daemon.registry.boundChannels === 0 &&
      s.rememberedLegs === 0 &&
      s.pendingPlaybacks === 0 &&
      e.daemon.bridges.inUseCount === 0
    );
  });
  await waitFor('no reservation left', async () => (await e.t.store.reservations()).length === 0);
}

/** Bridges in Asterisk but the empty ones the daemon keeps for its next call (bridge-pool.ts). */
export function bridgesLeft(e: E2e): ReturnType<E2e['sim']['bridges']> {
  return e.sim.bridges().filter((b) => b.channels.length > 0 || !e.daemon.bridges.holds(b.id));
}

/**
 * Waits until the daemon has reacted to everything the simulator said: every event frame read
 * (a ping/pong barrier on the app's websocket), no store call or ARI request in flight, and the
 * simulator silent meanwhile (no new event, no REST request being answered). The simulated
 * clock stands still, so what is left are timers and waits for Asterisk.
 */
export async function settled(e: E2e, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = e.sim.sentEvents().length;
    await e.sim.delivered(e.config.ari.app);
    await e.daemon.settled();
    if (e.sim.sentEvents().length === seen && e.sim.restInFlight === 0) return;
    if (Date.now() > deadline) throw new Error('the daemon did not settle');
  }
}

/** Moves the sim clock in steps, letting the daemon settle between them, until `predicate` holds. */
export async function driveUntil(
  e: E2e,
  what: string,
  predicate: () => unknown | Promise<unknown>,
  opts: { stepMs?: number; maxSimMs?: number } = {},
): Promise<void> {
  const step = opts.stepMs ?? 250;
  const max = opts.maxSimMs ?? 120_000;
  await settled(e);
  for (let moved = 0; ; moved += step) {
    if (await predicate()) return;
    if (moved >= max) throw new Error(`${what}: not reached within ${max} ms of simulated time`);
    e.advance(step);
    await settled(e);
  }
}

interface PlaybackInfo {
  id: string;
  media: string;
  at: number;
}

/** Media items the simulator started playing, in order (from its PlaybackStarted events). */
export function playbacksStarted(e: E2e, channelId?: string): PlaybackInfo[] {
  return e.sim
    .sentEvents()
    .filter((s) => s.event.type === 'PlaybackStarted')
    .map(
      (s) =>
        s.event as unknown as {
          timestamp: string;
          playback: { id: string; media_uri: string; target_uri: string };
        },
    )
    .filter((ev) => channelId === undefined || ev.playback.target_uri === `channel:${channelId}`)
    .map((ev) => ({
      id: ev.playback.id,
      media: ev.playback.media_uri,
      at: Date.parse(ev.timestamp.replace('+0000', 'Z')),
    }));
}

/** When the simulator reported a playback finished (sim-clock ms), if it did. */
export function playbackFinishedAt(e: E2e, playbackId: string): number | undefined {
  const hit = e.sim
    .sentEvents()
    .map(
      (s) => s.event as unknown as { type: string; timestamp: string; playback?: { id: string } },
    )
    .find((ev) => ev.type === 'PlaybackFinished' && ev.playback?.id === playbackId);
  return hit ? Date.parse(hit.timestamp.replace('+0000', 'Z')) : undefined;
}

/** Counts `media` among the started playbacks. */
export function timesPlayed(e: E2e, media: string, channelId?: string): number {
  return playbacksStarted(e, channelId).filter((p) => p.media === media).length;
}

/**
 * The latest timestamp (sim-clock ms) among the events the simulator has sent to `app` while it
 * had a websocket: the last moment the daemon can have heard the link, pings aside. Read it
 * before a stall (stallWebsockets): the frames lost after it still count as sent.
 */
export function lastEventAt(e: E2e, app = e.config.ari.app): number {
  let last = -Infinity;
  for (const s of e.sim.sentEvents(app)) {
    const ts = (s.event as { timestamp?: string }).timestamp;
    if (s.delivered && ts) last = Math.max(last, Date.parse(ts.replace('+0000', 'Z')));
  }
  return last;
}

/**
 * The recovery rig: real daemon processes (`node bin/astbill.js start`, as an operator runs it)
 * against ARI simulators in the test process on the real clock, on a test database. Daemons can
 * be killed with SIGKILL and started again; their JSON log lines are kept for assertions.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Money } from '../../daemon/src/rating/index.js';
import { AriSimulator, type EndedChannel, type FarEndRule } from '../../daemon/src/sim/index.js';
import type { Cdr } from '../../daemon/src/store/cdrs.js';
import type { TestDatabase, TestStore } from '../support/db.js';
import { compiledCli } from '../support/compiled.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LogLine {
  level: string;
  message: string;
  [k: string]: unknown;
}

export interface ChildDaemon {
  readonly node: string;
  readonly logs: LogLine[];
  readonly exited: Promise<number | null>;
  readonly pid: number;
  /** kill -9: no shutdown, no settlement, sockets closed by the kernel. */
  kill9(): Promise<void>;
  /** SIGTERM and wait (SIGKILL after `ms`). */
  stop(ms?: number): Promise<void>;
  logged(pattern: RegExp): LogLine[];
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];

/** Kills every daemon still running (call from `after`). */
export async function killAll(): Promise<void> {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface SpawnOptions {
  tdb: TestDatabase;
  sim: AriSimulator;
  node: string;
  env?: Record<string, string>;
  /** Journal directory (kept across restarts of one node). */
  journalDir?: string;
}

export function journalDirFor(): string {
  const d = mkdtempSync(join(tmpdir(), 'astbill-recovery-'));
  dirs.push(d);
  return d;
}

/** Starts `astbill start` (compiled, test/support/compiled.ts) and resolves once the simulator sees its websocket. */
export async function spawnDaemon(o: SpawnOptions): Promise<ChildDaemon> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    ASTBILL_DB: o.tdb.url,
    ARI_URL: o.sim.url,
    ARI_USERNAME: o.sim.username,
    ARI_PASSWORD: o.sim.password,
    ARI_APP: 'astbill',
    ASTBILL_DIAL: 'Local/{number}@pstn-sim',
    ASTBILL_NODE: o.node,
    ASTBILL_ANNOUNCE: 'false',
    ASTBILL_WARN_BEFORE: '0',
    ASTBILL_CHECKPOINT_SECONDS: '1',
    ASTBILL_LOG_LEVEL: 'info',
    ASTBILL_LOG_FORMAT: 'json',
    ASTBILL_JOURNAL_DIR: o.journalDir ?? journalDirFor(),
    ...o.env,
  };
  const proc = spawn(process.execPath, [compiledCli(), 'start'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  const logs: LogLine[] = [];
  const collect = (chunk: Buffer, buf: { s: string }): void => {
    buf.s += chunk.toString('utf8');
    let i: number;
    while ((i = buf.s.indexOf('\n')) >= 0) {
      const line = buf.s.slice(0, i);
      buf.s = buf.s.slice(i + 1);
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        if (line.trim()) logs.push({ level: 'raw', message: line });
      }
    }
  };
  const out = { s: '' };
  const err = { s: '' };
  proc.stdout!.on('data', (c: Buffer) => collect(c, out));
  proc.stderr!.on('data', (c: Buffer) => collect(c, err));
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      children.delete(proc);
      resolve(code);
    }),
  );
  const daemon: ChildDaemon = {
    node: o.node,
    logs,
    exited,
    pid: proc.pid!,
    async kill9() {
      proc.kill('SIGKILL');
      await exited;
    },
    async stop(ms = 20_000) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), ms);
      await exited;
      clearTimeout(t);
    },
    logged: (pattern) => logs.filter((l) => pattern.test(l.message)),
  };
  const connected = o.sim.waitUntil(() => o.sim.appConnected('astbill'), { timeoutMs: 30_000 });
  const died = exited.then((code) => {
    throw new Error(
      `astbill start exited (${code}) before connecting:\n${logs.map((l) => l.message).join('\n')}`,
    );
  });
  await Promise.race([connected, died]);
  return daemon;
}

export async function realSim(
  rules: FarEndRule[] = [{ prefix: '', action: 'answer' }],
  opts: { asteriskId?: string } = {},
): Promise<AriSimulator> {
  return AriSimulator.start({
    clock: 'real',
    rules,
    recordEvents: true,
    ...(opts.asteriskId ? { asteriskId: opts.asteriskId } : {}),
  });
}

/** Per-second billing at 0.60/min for 44…: a call's talk time shows in its cost to the second. */
export const PER_SECOND_44 = {
  prefix: '44',
  rate: '0.60',
  connect: '0',
  initial: 1,
  increment: 1,
} as const;

export interface Rig {
  /** One real-clock simulator per Asterisk id asked for (one by default). */
  sims: AriSimulator[];
  t: TestStore;
}

/**
 * Registers `before`/`after` for a recovery test on `tdb`: real-clock simulators (each its own
 * Asterisk id, so that two boxes mint different channel ids), a store handle, PER_SECOND_44.
 */
export function rigOn(
  tdb: TestDatabase,
  asteriskIds: ReadonlyArray<string | undefined> = [undefined],
): Rig {
  const rig = { sims: [] as AriSimulator[] } as Rig;
  before(async () => {
    for (const asteriskId of asteriskIds)
      rig.sims.push(await realSim(undefined, asteriskId ? { asteriskId } : {}));
    rig.t = await tdb.open();
    await rig.t.seedRate(PER_SECOND_44);
  });
  after(async () => {
    for (const sim of rig.sims.splice(0)) await sim.close();
  });
  return rig;
}

/** Polls `predicate` (real time) until it holds. */
export async function until<T>(
  what: string,
  predicate: () => T | Promise<T>,
  timeoutMs = 10_000,
  stepMs = 25,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await predicate();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** True once the A channel sits in a bridge with one other channel and both have TIMEOUT(absolute). */
export function talking(sim: AriSimulator, aChannelId: string): boolean {
  const a = sim.channel(aChannelId);
  if (!a?.bridgeId || a.absoluteDeadline === undefined) return false;
  const bridge = sim.bridges().find((b) => b.id === a.bridgeId);
  if (!bridge || bridge.channels.length !== 2) return false;
  const b = bridge.channels.find((id) => id !== aChannelId);
  return b !== undefined && sim.channel(b)?.absoluteDeadline !== undefined;
}

export interface Talking {
  bLeg: string;
  /** When the far end answered (simulator clock). */
  answeredAt: number;
}

/**
 * Waits until every call is talking, as observed: bridged with its B leg, both legs with
 * TIMEOUT(absolute) (talking()), and its CDR with the answer recorded. Fails at once when a call
 * ends before that. Resolves with each call's B leg and the moment the far end answered.
 */
export async function untilTalking(
  sim: AriSimulator,
  t: TestStore,
  aChannelIds: readonly string[],
  timeoutMs = 30_000,
): Promise<Map<string, Talking>> {
  const found = new Map<string, Talking>();
  await until(
    `${aChannelIds.length} calls talking`,
    async () => {
      const bridged = aChannelIds.filter((id) => {
        if (found.has(id)) return false;
        if (!sim.channel(id))
          throw new Error(
            `${id} ended before it was seen talking: ${JSON.stringify(sim.ended(id))}`,
          );
        return talking(sim, id);
      });
      if (bridged.length === 0) return found.size === aChannelIds.length;
      const answered = (await t
        .knex('astcdr')
        .whereIn('uniqueid', bridged)
        .whereNotNull('answer')
        .select('uniqueid')) as { uniqueid: string }[];
      for (const { uniqueid } of answered) {
        const bLeg = bLegOf(sim, uniqueid);
        const answeredAt = bLeg ? sim.channel(bLeg)?.answeredAt : undefined;
        if (bLeg && answeredAt !== undefined) found.set(uniqueid, { bLeg, answeredAt });
      }
      return found.size === aChannelIds.length;
    },
    timeoutMs,
    50,
  );
  return found;
}

/**
 * The caller hangs up `ms` after the far end answered (not after the call was placed, so that a
 * slow setup under load does not eat the talk time). Returns a cancel function.
 */
export function hangUpAfterAnswer(
  sim: AriSimulator,
  aChannelId: string,
  answeredAt: number,
  ms: number,
): () => void {
  const timer = setTimeout(
    () => {
      if (sim.channel(aChannelId)) sim.hangupCaller(aChannelId);
    },
    Math.max(0, answeredAt + ms - sim.clock.now()),
  );
  return () => clearTimeout(timer);
}

/** What really happened to a call, from the simulator: the B leg's answer and the first leg end. */
export interface TrueCall {
  aChannelId: string;
  bChannelId: string | null;
  answeredAt: number | null;
  endedAt: number | null;
  /** The TIMEOUT(absolute) deadlines the legs had. */
  deadlines: number[];
  /** Talk milliseconds (answer → first leg gone), when both are known. */
  talkMs: number | null;
  endedBy: EndedChannel['hungUpBy'][];
}

export function trueCall(sim: AriSimulator, aChannelId: string, bLeg: string | null): TrueCall {
  const a = sim.ended(aChannelId);
  // The B leg, if not known: the originated leg that shared the A leg's (last) bridge with it.
  const bChannelId =
    bLeg ??
    (a
      ? (sim.endedChannels().find((c) => c.kind === 'outbound' && a.bridgedWith?.includes(c.id))
          ?.id ??
        sim.liveChannels().find((c) => c.kind === 'outbound' && a.bridgedWith?.includes(c.id))
          ?.id ??
        null)
      : bLegOf(sim, aChannelId));
  const b = bChannelId ? sim.ended(bChannelId) : undefined;
  const answeredAt = b?.answeredAt ?? sim.channel(bChannelId ?? '')?.answeredAt ?? null;
  const ends = [a?.endedAt, b?.endedAt].filter((x): x is number => x !== undefined);
  const endedAt = ends.length > 0 ? Math.min(...ends) : null;
  return {
    aChannelId,
    bChannelId,
    answeredAt,
    endedAt,
    deadlines: [a?.absoluteDeadline, b?.absoluteDeadline].filter(
      (x): x is number => x !== undefined,
    ),
    talkMs: answeredAt !== null && endedAt !== null ? endedAt - answeredAt : null,
    endedBy: [a?.hungUpBy, b?.hungUpBy].filter(
      (x): x is EndedChannel['hungUpBy'] => x !== undefined,
    ),
  };
}

/** The B leg the daemon bridged with `aChannelId` (read while talking). */
export function bLegOf(sim: AriSimulator, aChannelId: string): string | null {
  const a = sim.channel(aChannelId);
  const bridge = sim.bridges().find((b) => b.id === a?.bridgeId);
  return bridge?.channels.find((id) => id !== aChannelId) ?? null;
}

export interface Books {
  charged: Money;
  charges: Map<string, Money>;
}

/**
 * The money invariants of `accounts` after a fault: one charge row per charged call (never two),
 * equal to its CDR's cost; the balance is the opening balance minus the charges; the ledger sums
 * to the balance; no reservation and no reserved money is left; every CDR is settled.
 */
export async function assertBooks(
  t: TestStore,
  accounts: { name: string; id: number; balance: Money }[],
): Promise<Books> {
  const charges = new Map<string, Money>();
  let charged = 0n;
  for (const a of accounts) {
    const now = await t.store.accountDetails(a.name);
    assert.ok(now, a.name);
    assert.equal(now.reserved, 0n, `no reserved money left on ${a.name}`);
    const ledger = await t.store.ledger(a.id);
    let sum = 0n;
    for (const e of ledger.filter((l) => l.kind === 'charge')) {
      assert.ok(e.reference !== null, 'a charge names its call');
      assert.ok(!charges.has(e.reference), `charged twice: ${e.reference}`);
      charges.set(e.reference, -e.amount);
      sum += -e.amount;
    }
    assert.equal(now.balance, a.balance - sum, `balance of ${a.name} = opening − charges`);
    assert.equal(
      await t.store.ledgerSum(a.id),
      now.balance,
      `ledger of ${a.name} sums to its balance`,
    );
    charged += sum;
  }
  const ids = new Set(accounts.map((a) => a.id));
  const cdrs: Cdr[] = (await t.store.cdrs()).filter(
    (c) => c.accountId !== null && ids.has(c.accountId),
  );
  for (const c of cdrs) {
    assert.equal(c.status, 'settled', `CDR ${c.uniqueid} settled`);
    assert.equal(
      charges.get(c.uniqueid) ?? 0n,
      c.cost,
      `ledger charge of ${c.uniqueid} equals its CDR cost`,
    );
  }
  const left = (await t.store.reservations()).filter((r) => ids.has(r.accountId));
  assert.deepEqual(
    left.map((r) => r.uniqueid),
    [],
    'no reservation left',
  );
  return { charged, charges };
}

/** Checkpoints written so far: uniqueid → seconds. */
export async function checkpointsOf(
  t: TestStore,
  uniqueids: readonly string[],
): Promise<Map<string, number>> {
  const rows = (await t
    .knex('astcdr')
    .select('uniqueid', 'checkpoint_secs')
    .whereIn('uniqueid', [...uniqueids])) as {
    uniqueid: string;
    checkpoint_secs: number | string | null;
  }[];
  return new Map(
    rows
      .filter((r) => r.checkpoint_secs !== null)
      .map((r) => [r.uniqueid, Number(r.checkpoint_secs)]),
  );
}

import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../daemon/src/config.js';
import { loadResilienceConfig } from '../../daemon/src/resilience/config.js';
import { Journal, JournalLockedError } from '../../daemon/src/resilience/journal.js';
import type { JournalEntry } from '../../daemon/src/resilience/records.js';
import { REFUSAL_REASONS } from '../../daemon/src/session/ports.js';
import { JournalReplayer, type ReplayTimer } from '../../daemon/src/resilience/replayer.js';
import type { ReplayReport } from '../../daemon/src/resilience/replay.js';

const settleEntry = (uniqueid: string, billsec = 42): JournalEntry => ({
  kind: 'settle',
  uniqueid,
  settle: {
    uniqueid,
    disposition: 'ANSWERED',
    hangupCause: 16,
    answer: new Date('2026-11-22T10:00:05.000Z'),
    end: new Date('2026-11-22T10:00:47.250Z'),
    billsec,
    note: 'ended by astbill: limit',
  },
});

const grantEntry = (uniqueid: string): JournalEntry => ({
  kind: 'outage-grant',
  uniqueid,
  grant: {
    req: {
      uniqueid,
      accountId: 7,
      src: '15550101',
      dst: '4420123',
      rate: {
        tariff: 'default',
        prefix: '44',
        description: 'UK "fixed" — ünïcode',
        ratePerMin: 6000n,
        connectFee: 12_345_678_901_234_567n,
        initialSecs: 60,
        incrementSecs: 6,
        minSecs: 0,
      },
      node: 'n1',
      defaultMaxSeconds: 3600,
      start: new Date('2026-11-22T10:00:00.000Z'),
    },
    maxSeconds: 60,
    maxCost: 98_765_432_109_876_543_210n,
  },
});

describe('the settlement journal', () => {
  let dir: string;
  const opened: Journal[] = [];
  const open = async () => {
    const j = await Journal.open(dir);
    opened.push(j);
    return j;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'astbill-journal-'));
  });
  afterEach(async () => {
    for (const j of opened.splice(0)) await j.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps appended records across a crash, with money and times exact', async () => {
    const j = await open();
    await j.append(settleEntry('call-1'), grantEntry('call-2'));
    // No close(): the process "dies" here; a new one opens the same directory.
    const again = await open();
    const [s, g] = again.pending();
    assert.equal(again.size, 2);
    assert.ok(s?.kind === 'settle' && g?.kind === 'outage-grant');
    assert.deepEqual(
      s.settle,
      (settleEntry('call-1') as Extract<JournalEntry, { kind: 'settle' }>).settle,
    );
    assert.equal(g.grant.maxCost, 98_765_432_109_876_543_210n);
    assert.equal(g.grant.req.rate.connectFee, 12_345_678_901_234_567n);
    assert.equal(g.grant.req.rate.description, 'UK "fixed" — ünïcode');
    assert.equal(g.grant.req.start.toISOString(), '2026-11-22T10:00:00.000Z');
    // Money is written as decimal strings of minor units, never as JSON numbers.
    assert.match(
      readFileSync(join(dir, 'journal.jsonl'), 'utf8'),
      /"maxCost":"98765432109876543210"/,
    );
  });

  it('lets go of its files at a kill without writing more: the lock stays, appends are refused, the next run has every record', async () => {
    const j = await Journal.open(dir);
    await j.append(settleEntry('call-1'));
    await j.release();
    assert.equal(readFileSync(join(dir, 'journal.lock'), 'utf8'), String(process.pid));
    await assert.rejects(j.append(settleEntry('call-2')), /journal is closed/);
    const again = await open();
    assert.equal(again.size, 1);
    assert.equal(again.pending()[0]?.kind, 'settle');
  });

  it('keeps a refusal of every reason the daemon records (ABANDONED, LOCKED, SHUTDOWN, OVERLOAD …)', async () => {
    const j = await open();
    const reasons = REFUSAL_REASONS;
    await j.append(
      ...reasons.map((reason, i): JournalEntry => ({
        kind: 'refusal',
        uniqueid: `r-${i}`,
        refusal: {
          uniqueid: `r-${i}`,
          accountId: null,
          src: '1555',
          dst: '44',
          reason,
          node: 'n1',
          start: new Date('2026-11-22T10:00:00.000Z'),
        },
      })),
    );
    const again = await open();
    assert.equal(again.problems.length, 0);
    assert.deepEqual(
      again.pending().map((e) => (e.kind === 'refusal' ? e.refusal.reason : null)),
      [...reasons],
    );
  });

  it('forgets replayed records, also after a restart, and compacts the file', async () => {
    const j = await open();
    const [a, , c] = await j.append(settleEntry('a'), settleEntry('b'), settleEntry('c'));
    await j.markDone([a!.id, c!.id]);
    assert.deepEqual(
      j.pending().map((r) => r.uniqueid),
      ['b'],
    );
    assert.deepEqual(
      (await open()).pending().map((r) => r.uniqueid),
      ['b'],
    );
    const k = opened.at(-1)!;
    await k.compact();
    assert.equal(readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').length, 1);
    assert.equal(readFileSync(join(dir, 'done.jsonl'), 'utf8'), '');
    assert.deepEqual(
      (await open()).pending().map((r) => r.uniqueid),
      ['b'],
    );
  });

  it('writes every one of many concurrent appends durably (group commit)', async () => {
    const j = await open();
    await Promise.all(Array.from({ length: 300 }, (_, i) => j.append(settleEntry(`c-${i}`, i))));
    const again = await open();
    assert.equal(again.size, 300);
    assert.deepEqual(new Set(again.pending().map((r) => r.uniqueid)).size, 300);
  });

  it('tolerates a torn last line: reports it, sets it aside, keeps the rest, and appends cleanly after it', async () => {
    const j = await open();
    await j.append(settleEntry('ok-1'), settleEntry('ok-2'));
    const torn = JSON.stringify({
      v: 1,
      id: 'x',
      at: new Date().toISOString(),
      kind: 'settle',
      uniqueid: 'torn-3',
    }).slice(0, 40);
    appendFileSync(join(dir, 'journal.jsonl'), torn);

    const snap = await Journal.read(dir);
    assert.equal(snap.pending.length, 2);
    assert.equal(snap.problems.length, 1);
    assert.match(snap.problems[0]!.problem, /torn last line/);
    assert.equal(snap.problems[0]!.line, 3);

    const again = await open();
    assert.deepEqual(
      again.pending().map((r) => r.uniqueid),
      ['ok-1', 'ok-2'],
    );
    assert.equal(again.problems.length, 1);
    assert.match(readFileSync(join(dir, 'rejected.jsonl'), 'utf8'), /torn last line/);
    await again.append(settleEntry('ok-4'));

    const third = await open();
    assert.deepEqual(
      third.pending().map((r) => r.uniqueid),
      ['ok-1', 'ok-2', 'ok-4'],
    );
    assert.equal(third.problems.length, 0, 'the damage was repaired once');
    assert.equal((await Journal.read(dir)).rejected, 1);
  });

  it('reports a damaged line in the middle and still replays the records around it', async () => {
    const j = await open();
    await j.append(settleEntry('first'));
    appendFileSync(
      join(dir, 'journal.jsonl'),
      '{"v":1,"id":"bad","kind":"settle","uniqueid":"bad","settle":{"billsec":"lots"}}\n',
    );
    await j.append(settleEntry('last'));
    const again = await open();
    assert.deepEqual(
      again.pending().map((r) => r.uniqueid),
      ['first', 'last'],
    );
    assert.equal(again.problems.length, 1);
    assert.equal(again.problems[0]!.line, 2);
  });

  it('treats a torn done mark as not done (the record is replayed again, which is harmless)', async () => {
    const j = await open();
    const [a] = await j.append(settleEntry('a'));
    appendFileSync(join(dir, 'done.jsonl'), `{"done":"${a!.id}`);
    const again = await open();
    assert.deepEqual(
      again.pending().map((r) => r.uniqueid),
      ['a'],
    );
    assert.match(again.problems[0]!.problem, /replayed again/);
  });

  it('refuses a second writer while the owning process lives, and takes over a stale lock', async () => {
    writeFileSync(join(dir, 'journal.lock'), String(process.ppid));
    await assert.rejects(Journal.open(dir), JournalLockedError);
    writeFileSync(join(dir, 'journal.lock'), '999999999');
    const j = await open();
    assert.equal(readFileSync(join(dir, 'journal.lock'), 'utf8'), String(process.pid));
    assert.equal(j.size, 0);
  });
});

describe('the journal replayer', () => {
  class ManualTimer implements ReplayTimer {
    fns: Array<() => void> = [];
    setInterval(fn: () => void): unknown {
      this.fns.push(fn);
      return this.fns.length - 1;
    }
    clearInterval(): void {
      this.fns = [];
    }
    tick(): void {
      for (const f of this.fns) f();
    }
  }

  it('replays on each tick while records wait, never two passes at once, and stops on close', async () => {
    const timer = new ManualTimer();
    let pending = 3;
    let passes = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const report = (): ReplayReport => ({
      replayed: [],
      failed: [],
      stoppedBy: null,
      remaining: pending,
    });
    // The first pass is held open until the test lets it go, so that a tick lands during it.
    let releaseFirst = () => {};
    const firstHeld = new Promise<void>((res) => (releaseFirst = res));
    const r = new JournalReplayer({
      intervalMs: 1000,
      timer,
      pending: () => pending,
      replay: async () => {
        passes += 1;
        concurrent += 1;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        if (passes === 1) await firstHeld;
        concurrent -= 1;
        pending -= 1;
        return report();
      },
    });
    r.start(); // first pass at once
    timer.tick(); // joins the pass in progress
    assert.equal(concurrent, 1, 'the first pass is still running');
    releaseFirst();
    await r.runOnce();
    assert.equal(passes, 1);
    timer.tick();
    await r.runOnce();
    timer.tick();
    await r.runOnce();
    assert.equal(pending, 0);
    timer.tick();
    await r.runOnce();
    assert.equal(passes, 3, 'no pass when nothing waits');
    assert.equal(maxConcurrent, 1);
    await r.close();
    assert.equal(timer.fns.length, 0);
  });
});

describe('database-failure settings', () => {
  it('has defaults: refuse, 2.5 s deadline, 60 s capped calls, ./data/journal', () => {
    assert.deepEqual(loadResilienceConfig({}), {
      journalDir: './data/journal',
      deadlineMs: 2500,
      policy: 'refuse',
      failureSeconds: 60,
      replayIntervalMs: 5000,
    });
  });

  it('reads every setting and names a bad one', () => {
    const cfg = loadResilienceConfig({
      ASTBILL_JOURNAL_DIR: '/var/lib/astbill/j',
      ASTBILL_DB_DEADLINE_MS: '800',
      ASTBILL_DB_FAILURE_POLICY: 'allow-capped',
      ASTBILL_DB_FAILURE_SECONDS: '30',
      ASTBILL_JOURNAL_REPLAY_SECONDS: '2',
    });
    assert.deepEqual(cfg, {
      journalDir: '/var/lib/astbill/j',
      deadlineMs: 800,
      policy: 'allow-capped',
      failureSeconds: 30,
      replayIntervalMs: 2000,
    });
    assert.throws(
      () => loadResilienceConfig({ ASTBILL_DB_FAILURE_POLICY: 'allow' }),
      (e: unknown) => e instanceof ConfigError && e.setting === 'ASTBILL_DB_FAILURE_POLICY',
    );
    assert.throws(
      () => loadResilienceConfig({ ASTBILL_DB_DEADLINE_MS: '2.5s' }),
      (e: unknown) => e instanceof ConfigError && e.setting === 'ASTBILL_DB_DEADLINE_MS',
    );
    assert.throws(
      () => loadResilienceConfig({ ASTBILL_DB_FAILURE_SECONDS: '0' }),
      (e: unknown) => e instanceof ConfigError && e.setting === 'ASTBILL_DB_FAILURE_SECONDS',
    );
  });
});

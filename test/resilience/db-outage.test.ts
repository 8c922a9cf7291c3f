/**
 * The database really goes away (a private mariadbd, stopped, killed, frozen or locked) while
 * calls are being authorised and settled through the resilient store.
 */
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { parseMoney, type Rate } from '../../daemon/src/rating/index.js';
import { DbUnavailable } from '../../daemon/src/resilience/deadline.js';
import { Journal } from '../../daemon/src/resilience/journal.js';
import { startResilience } from '../../daemon/src/resilience/open.js';
import { ORPHAN_MARGIN_MS } from '../../daemon/src/resilience/replay.js';
import type { AccountDetails } from '../../daemon/src/store/accounts.js';
import { astbill } from '../cli/run-cli.js';
import { PrivateMariaDb } from '../support/private-mariadb.js';
import type { TestDatabase, TestStore } from '../support/db.js';
import {
  answeredSettle,
  assertBooksBalance,
  at,
  authoriseReq,
  costOf,
  journalDir,
  startNode,
  unansweredSettle,
  type Node,
} from './support.js';

describe('when the database fails', function () {
  this.timeout(60_000);
  let m: PrivateMariaDb;
  let tdb: TestDatabase & { close(): Promise<void> };
  let t: TestStore;
  let rate: Rate;
  const nodes: Node[] = [];
  const dirs: string[] = [];

  const newDir = () => {
    const d = journalDir();
    dirs.push(d);
    return d;
  };
  const node = async (dir: string, opts: Parameters<typeof startNode>[2] = {}) => {
    const n = await startNode(tdb, dir, opts);
    nodes.push(n);
    return n;
  };
  const ensureUp = async () => {
    m.resume();
    if (!m.running) await m.start();
  };

  before(async function () {
    m = await PrivateMariaDb.start();
    tdb = await m.testDatabase();
    t = await tdb.open({ probe: false });
    // 0.06 per minute, 60/6: 42 s → 60 s billed → 0.06; 125 s → 126 s billed → 0.126.
    rate = await t.seedRate({
      tariff: 'default',
      prefix: '44',
      rate: '0.06',
      initial: 60,
      increment: 6,
    });
    assert.equal(costOf(rate, 42), parseMoney('0.06'));
    assert.equal(costOf(rate, 125), parseMoney('0.126'));
  });

  afterEach(async () => {
    await ensureUp();
  });

  after(async function () {
    for (const n of nodes.splice(0)) {
      await n.journal.close().catch(() => undefined);
      await n.t.close().catch(() => undefined);
    }
    await tdb?.close();
    await m?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  describe('settlements while the database is stopped', () => {
    it('are journaled, survive a daemon crash, and are written exactly once when it is back', async () => {
      const alice = await t.seedAccount({ balance: '100' });
      const bob = await t.seedAccount({ balance: '20' });
      const dir = newDir();
      const n1 = await node(dir);
      const calls = [
        { id: 'crash-a1', acct: alice, billsec: 42 },
        { id: 'crash-a2', acct: alice, billsec: 125 },
        { id: 'crash-a3', acct: alice, billsec: 0, unanswered: true },
        { id: 'crash-a4', acct: alice, billsec: 600 },
        { id: 'crash-b1', acct: bob, billsec: 42 },
        { id: 'crash-b2', acct: bob, billsec: 125 },
      ];
      for (const c of calls) {
        const res = await n1.store.authorise(authoriseReq(c.id, c.acct.id, rate));
        assert.equal(res.ok, true, c.id);
      }
      // One call ends normally before the outage.
      const first = await n1.store.settle(answeredSettle('crash-a4', 600));
      assert.deepEqual(
        { settled: first.settled, pending: 'pending' in first },
        { settled: true, pending: false },
      );
      assert.equal((await t.store.reservations()).length, 5);

      assert.equal(n1.store.oldestPending(), null, 'nothing waits yet');
      const stopped = Date.now();
      await m.stop();
      for (const c of calls.slice(0, 3).concat(calls.slice(4))) {
        const req = c.unanswered ? unansweredSettle(c.id) : answeredSettle(c.id, c.billsec);
        const res = await n1.store.settle(req);
        assert.equal(res.settled, true, c.id);
        assert.ok('pending' in res && res.pending, `${c.id} is pending`);
        assert.equal(
          res.cost,
          c.unanswered ? 0n : costOf(rate, c.billsec),
          `${c.id}: the cost the session logs is what will be charged`,
        );
      }
      // A settlement delivered twice (e.g. a retry) is journaled twice and still charged once.
      await n1.store.settle(answeredSettle('crash-b1', 42));
      assert.equal(n1.store.pending(), 6);
      assert.equal(n1.store.health().up, false);

      // The daemon dies (nothing closed); a new one starts on the same journal, the database still down.
      const n2 = await node(dir);
      assert.equal(n2.store.pending(), 6);
      // The age of the backlog (dashboard, astbill_journal_oldest_age_seconds) survives the restart.
      const oldest = n2.store.oldestPending()!.getTime();
      assert.ok(oldest >= stopped && oldest <= Date.now(), 'the first settlement after the stop');
      const early = await n2.store.replay();
      assert.equal(early.replayed.length, 0);
      assert.ok(early.stoppedBy, 'the pass stops while the database is down');
      assert.equal(n2.store.pending(), 6);

      await m.start();
      // Keep a copy of the journal as it was before the replay: the next daemon may crash
      // between writing to the database and marking the records done.
      const before = newDir();
      cpSync(dir, before, { recursive: true });

      const rep = await n2.store.replay();
      assert.equal(rep.stoppedBy, null);
      assert.equal(rep.replayed.length, 6);
      assert.equal(
        rep.replayed.filter((r) => r.outcome === 'already settled').length,
        1,
        'the duplicate changed nothing',
      );
      assert.equal(n2.store.pending(), 0);
      assert.equal(n2.store.oldestPending(), null);

      const charges = {
        alice: {
          'crash-a1': costOf(rate, 42),
          'crash-a2': costOf(rate, 125),
          'crash-a3': 0n,
          'crash-a4': costOf(rate, 600),
        },
        bob: { 'crash-b1': costOf(rate, 42), 'crash-b2': costOf(rate, 125) },
      };
      await assertBooksBalance(t, alice.name, alice.balance, charges.alice);
      await assertBooksBalance(t, bob.name, bob.balance, charges.bob);
      const a2 = await t.store.cdr('crash-a2');
      assert.equal(a2?.billsec, 125);
      assert.match(a2?.note ?? '', /journal/);

      // Crash between the writes and the done marks: the old journal comes back and is replayed again.
      rmSync(join(before, 'journal.lock'), { force: true });
      const n3 = await node(before);
      assert.equal(n3.store.pending(), 6);
      const again = await n3.store.replay();
      assert.equal(again.replayed.length, 6);
      assert.ok(
        again.replayed.every((r) => r.outcome === 'already settled'),
        'nothing is settled twice',
      );
      await assertBooksBalance(t, alice.name, alice.balance, charges.alice);
      await assertBooksBalance(t, bob.name, bob.balance, charges.bob);
    });

    it('are written by the background replayer on its own once the database is back (after a crash of the server)', async () => {
      const carol = await t.seedAccount({ balance: '3' });
      const n = await node(newDir());
      assert.equal((await n.store.authorise(authoriseReq('bg-1', carol.id, rate))).ok, true);
      await m.kill();
      await n.store.settle(answeredSettle('bg-1', 125));
      const { JournalReplayer } = await import('../../daemon/src/resilience/replayer.js');
      const ticks: Array<() => void> = [];
      const r = new JournalReplayer({
        replay: () => n.store.replay(),
        pending: () => n.store.pending(),
        intervalMs: 1000,
        timer: { setInterval: (fn) => ticks.push(fn), clearInterval: () => undefined },
      });
      r.start();
      await r.runOnce();
      assert.equal(n.store.pending(), 1);
      await m.start();
      ticks[0]!();
      await r.runOnce();
      await r.close();
      assert.equal(n.store.pending(), 0);
      await assertBooksBalance(t, carol.name, carol.balance, { 'bg-1': costOf(rate, 125) });
    });
  });

  describe("new calls under the default policy 'refuse'", () => {
    it('are refused with DBERROR, nothing is reserved, and the refusal CDR is written later', async () => {
      const dave = await t.seedAccount({ balance: '10' });
      const n = await node(newDir());
      await m.stop();
      await assert.rejects(n.store.accountByName(dave.name), DbUnavailable, 'reads fail closed');
      const res = await n.store.authorise(authoriseReq('refused-1', dave.id, rate));
      assert.deepEqual(res, { ok: false, reason: 'DBERROR', available: 0n });
      await m.start();
      assert.equal(
        await t.store.cdr('refused-1'),
        undefined,
        'nothing was written during the outage',
      );
      const rep = await n.store.replay();
      assert.equal(rep.remaining, 0);
      const cdr = await t.store.cdr('refused-1');
      assert.deepEqual(
        {
          disposition: cdr?.disposition,
          reason: cdr?.reason,
          cost: cdr?.cost,
          status: cdr?.status,
        },
        { disposition: 'FAILED', reason: 'DBERROR', cost: 0n, status: 'settled' },
      );
      await assertBooksBalance(t, dave.name, dave.balance, { 'refused-1': 0n });
    });
  });

  describe("new calls under the policy 'allow-capped'", () => {
    it('get a capped grant from the last known credit, and are charged once when the database is back', async () => {
      const erin = await t.seedAccount({ balance: '10' });
      const poor = await t.seedAccount({ balance: '0.03' });
      const dir = newDir();
      const n = await node(dir, { policy: 'allow-capped', failureSeconds: 60 });
      // The daemon has seen these callers and this route before the outage.
      for (const a of [erin, poor]) assert.equal((await n.store.accountByName(a.name))?.id, a.id);
      assert.ok(await n.store.rateFor('default', '442071234567'));
      const seen = await n.store.accountByNameWithRate(poor.name, '441234567890');
      assert.deepEqual([seen?.account.id, seen?.rate?.prefix], [poor.id, rate.prefix]);
      // …and has authorised a call of each (an outage grant needs the caps that answer carries).
      for (const a of [erin, poor]) {
        const warm = await n.store.authorise(authoriseReq(`seen-${a.id}`, a.id, rate));
        assert.equal(warm.ok, a === erin, `warm-up of ${a.name}`);
        if (warm.ok) await n.store.settle(unansweredSettle(`seen-${a.id}`));
      }

      await m.stop();
      assert.equal(
        (await n.store.accountByName(erin.name))?.id,
        erin.id,
        'known callers are identified from memory',
      );
      assert.deepEqual(await n.store.rateFor('default', '442071234567'), rate);
      // The account-with-rate question the daemon asks first: from the two answers it has seen either way.
      for (const [a, number] of [
        [erin, '442071234567'],
        [poor, '441234567890'],
      ] as const) {
        const both = await n.store.accountByNameWithRate(a.name, number);
        assert.deepEqual([both?.account.id, both?.rate], [a.id, rate]);
      }
      await assert.rejects(
        n.store.accountByNameWithRate(erin.name, '33123456789'),
        DbUnavailable,
        'a number never rated fails closed',
      );
      const g1 = await n.store.authorise(authoriseReq('capped-1', erin.id, rate));
      const g2 = await n.store.authorise(authoriseReq('capped-2', erin.id, rate));
      const g3 = await n.store.authorise(authoriseReq('capped-3', erin.id, rate));
      const g4 = await n.store.authorise(authoriseReq('capped-4', erin.id, rate));
      for (const g of [g1, g2, g3, g4])
        assert.deepEqual(g.ok && { maxSeconds: g.maxSeconds, maxCost: g.maxCost }, {
          maxSeconds: 60,
          maxCost: parseMoney('0.06'),
        });
      const broke = await n.store.authorise(authoriseReq('capped-poor', poor.id, rate));
      assert.deepEqual(
        broke,
        { ok: false, reason: 'DBERROR', available: 0n },
        '0.03 does not pay the first 60 s block',
      );

      await n.store.markAnswered('capped-1', new Date('2026-11-22T10:00:05.000Z'));
      const s1 = await n.store.settle(answeredSettle('capped-1', 42));
      const s2 = await n.store.settle(answeredSettle('capped-2', 61)); // the limit fires a little late
      const s3 = await n.store.settle(unansweredSettle('capped-3'));
      assert.deepEqual(
        [s1.cost, s1.billsec, s2.cost, s2.billsec, s3.cost],
        [parseMoney('0.06'), 42, parseMoney('0.06'), 60, 0n],
      );
      // capped-4 is answered, then the daemon dies mid-call (the journal knows the grant and the answer).
      await n.store.markAnswered('capped-4', new Date('2026-11-22T10:00:05.000Z'));

      await m.start();
      const copy = newDir();
      cpSync(dir, copy, { recursive: true });
      const later = await node(dir, {
        policy: 'allow-capped',
        now: () => at(5 + 60 + ORPHAN_MARGIN_MS / 1000 + 1),
      });
      const rep = await later.store.replay();
      assert.equal(rep.stoppedBy, null);
      assert.equal(later.store.pending(), 0, JSON.stringify(rep));
      const charges = {
        'capped-1': parseMoney('0.06'),
        'capped-2': parseMoney('0.06'),
        'capped-3': 0n,
        // Its daemon died mid-call: nothing proves it was up after its answer (last-up).
        'capped-4': 0n,
      };
      await assertBooksBalance(t, erin.name, erin.balance, charges);
      for (const id of Object.keys(charges))
        assert.match((await t.store.cdr(id))?.note ?? '', /db-outage/, id);
      assert.deepEqual(
        await Promise.all(
          ['capped-1', 'capped-2', 'capped-3', 'capped-4'].map(
            async (id) => (await t.store.cdr(id))?.billsec,
          ),
        ),
        [42, 60, 0, 0],
      );
      assert.equal((await t.store.cdr('capped-4'))?.endSource, 'last-up');
      assert.equal((await t.store.cdr('capped-poor'))?.reason, 'DBERROR');
      await assertBooksBalance(t, poor.name, poor.balance, { 'capped-poor': 0n });

      // Replaying the same records again (a crash before the done marks) charges nothing more.
      rmSync(join(copy, 'journal.lock'), { force: true });
      const third = await node(copy, {
        policy: 'allow-capped',
        now: () => at(5 + 60 + ORPHAN_MARGIN_MS / 1000 + 1),
      });
      assert.equal(third.store.pending(), (await Journal.read(copy)).pending.length);
      const again = await third.store.replay();
      assert.equal(third.store.pending(), 0, JSON.stringify(again));
      await assertBooksBalance(t, erin.name, erin.balance, charges);
    });
  });

  describe('a hung database', () => {
    it('makes calls hit the deadline instead of hanging when the tables are locked, and the late commits are reconciled', async () => {
      const frank = await t.seedAccount({ balance: '10' });
      const n = await node(newDir(), { deadlineMs: 400 });
      assert.equal((await n.store.authorise(authoriseReq('hung-1', frank.id, rate))).ok, true);

      const locker = await mysql.createConnection({
        host: '127.0.0.1',
        port: m.port,
        user: 'root',
        database: new URL(tdb.url).pathname.slice(1),
      });
      await locker.query(
        'LOCK TABLES astaccount WRITE, astcdr WRITE, astcreditres WRITE, astledger WRITE',
      );
      try {
        const settled = await n.store.settle(answeredSettle('hung-1', 125));
        assert.ok('pending' in settled && settled.pending, 'the settlement waits in the journal');
        const refused = await n.store.authorise(authoriseReq('hung-2', frank.id, rate));
        assert.deepEqual(refused, { ok: false, reason: 'DBERROR', available: 0n });
        assert.match(n.store.health().lastError ?? '', /no answer from the database within 400 ms/);
      } finally {
        await locker.query('UNLOCK TABLES');
        await locker.end();
      }
      // The timed-out statements now run to completion in the background: hung-1 is settled
      // by its original call, hung-2 may get a reservation nobody will use.
      const rep = await n.store.replay();
      assert.equal(rep.stoppedBy, null);
      assert.equal(n.store.pending(), 0);
      await assertBooksBalance(t, frank.name, frank.balance, {
        'hung-1': costOf(rate, 125),
        'hung-2': 0n,
      });
      assert.equal((await t.store.cdr('hung-2'))?.disposition, 'FAILED');
    });

    it('makes calls hit the deadline when the server is frozen (SIGSTOP), and nothing is lost after it resumes', async () => {
      const gina = await t.seedAccount({ balance: '10' });
      const n = await node(newDir(), { deadlineMs: 400 });
      assert.equal((await n.store.authorise(authoriseReq('frozen-1', gina.id, rate))).ok, true);
      m.pause();
      await assert.rejects(n.store.accountByName(gina.name), DbUnavailable);
      const res = await n.store.settle(answeredSettle('frozen-1', 42));
      assert.ok('pending' in res && res.pending);
      assert.deepEqual(await n.store.authorise(authoriseReq('frozen-2', gina.id, rate)), {
        ok: false,
        reason: 'DBERROR',
        available: 0n,
      });
      m.resume();
      for (let i = 0; i < 20 && n.store.pending() > 0; i++) await n.store.replay();
      assert.equal(n.store.pending(), 0);
      await assertBooksBalance(t, gina.name, gina.balance, {
        'frozen-1': costOf(rate, 42),
        'frozen-2': 0n,
      });
    });
  });

  describe('a damaged journal', () => {
    it('replays the readable records, reports the torn one, and leaves its reservation visible for reconciliation', async () => {
      const hal: AccountDetails = await t.seedAccount({ balance: '10' });
      const dir = newDir();
      const n = await node(dir);
      for (const id of ['torn-1', 'torn-2', 'torn-3'])
        assert.equal((await n.store.authorise(authoriseReq(id, hal.id, rate))).ok, true);
      await m.stop();
      await n.store.settle(answeredSettle('torn-1', 42));
      await n.store.settle(answeredSettle('torn-2', 125));
      // The daemon dies in the middle of writing the third settlement.
      appendFileSync(
        join(dir, 'journal.jsonl'),
        '{"v":1,"id":"0b8f","at":"2026-11-22T10:05:00.000Z","kind":"settle","uniqueid":"torn-3","settle":{"uniq',
      );
      await m.start();

      const next = await node(dir);
      assert.equal(next.journal.problems.length, 1);
      assert.match(next.journal.problems[0]!.problem, /torn last line/);
      const rep = await next.store.replay();
      assert.deepEqual(
        rep.replayed.map((r) => r.uniqueid),
        ['torn-1', 'torn-2'],
      );
      const left = (await next.store.reservations()).filter((r) => r.accountId === hal.id);
      assert.deepEqual(
        left.map((r) => r.uniqueid),
        ['torn-3'],
        'restart reconciliation still sees the lost one',
      );
      await next.store.settle(answeredSettle('torn-3', 42)); // as reconciliation would
      await assertBooksBalance(t, hal.name, hal.balance, {
        'torn-1': costOf(rate, 42),
        'torn-2': costOf(rate, 125),
        'torn-3': costOf(rate, 42),
      });
    });
  });
  describe('the operator', () => {
    it("sees what waits with 'astbill journal' and writes it with 'astbill journal replay' once the daemon is stopped", async () => {
      const ivy = await t.seedAccount({ balance: '10' });
      const dir = newDir();
      const n = await node(dir);
      assert.equal((await n.store.authorise(authoriseReq('cli-1', ivy.id, rate))).ok, true);
      await m.stop();
      await n.store.settle(answeredSettle('cli-1', 125));
      const env = { ASTBILL_JOURNAL_DIR: dir };
      const cli = (...args: string[]) => astbill(tdb.url, args, env);

      const shown = await cli('journal', '--json');
      assert.equal(shown.code, 0, shown.stderr);
      const body = JSON.parse(shown.stdout) as {
        pending: Array<{ kind: string; uniqueid: string; billsec: number }>;
        problems: unknown[];
      };
      assert.deepEqual(
        body.pending.map((p) => [p.kind, p.uniqueid, p.billsec]),
        [['settle', 'cli-1', 125]],
      );
      assert.deepEqual(body.problems, []);
      const table = await cli('journal');
      assert.match(table.stdout, /cli-1.*ANSWERED 125s/);
      assert.match(table.stdout, /1 record\(s\) waiting for the database/);

      const locked = await cli('journal', 'replay');
      assert.equal(locked.code, 1);
      assert.match(locked.stderr, /in use by process \d+/);

      await n.journal.close(); // the daemon stops
      const down = await cli('journal', 'replay');
      assert.equal(down.code, 1);
      assert.match(down.stderr, /cannot connect/);

      await m.start();
      const replayed = await cli('journal', 'replay');
      assert.equal(replayed.code, 0, replayed.stderr);
      assert.match(replayed.stdout, /replayed settle cli-1: settled, cost 12600/);
      assert.match(replayed.stdout, /1 replayed, 0 still waiting/);
      assert.match((await cli('journal')).stdout, /0 record\(s\) waiting/);
      await assertBooksBalance(t, ivy.name, ivy.balance, { 'cli-1': costOf(rate, 125) });
    });
  });
  describe('as the daemon starts it (startResilience)', () => {
    it('opens the journal, wraps the store, replays on the timer, and takes allow-capped with the knex store', async () => {
      const jo = await t.seedAccount({ balance: '10' });
      const own = await tdb.open({ probe: false });
      const ticks: Array<() => void> = [];
      const res = await startResilience(
        own.store,
        {
          journalDir: newDir(),
          deadlineMs: 1000,
          policy: 'allow-capped',
          failureSeconds: 30,
          replayIntervalMs: 1000,
        },
        { timer: { setInterval: (fn) => ticks.push(fn), clearInterval: () => undefined } },
      );
      try {
        assert.equal((await res.store.authorise(authoriseReq('wired-1', jo.id, rate))).ok, true);
        await m.stop();
        await res.store.settle(answeredSettle('wired-1', 42));
        assert.equal(res.store.pending(), 1);
        await m.start();
        ticks[0]!();
        await res.replayer.runOnce();
        assert.equal(res.store.pending(), 0);
        await assertBooksBalance(t, jo.name, jo.balance, { 'wired-1': costOf(rate, 42) });
      } finally {
        await res.close();
        await own.close();
      }
    });
  });
});

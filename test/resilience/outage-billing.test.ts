/**
 * Calls allowed while the database failed (policy 'allow-capped') are billed like normal calls:
 * the grant stays within the account's spend caps, the call holds its trunk channel, and the
 * CDR written at journal replay carries the trunk, the buy cost and the per-band price.
 * The database's authorise fails on demand (the resilient store sees an error, as in an outage);
 * everything else is the real store on SQLite and, with ASTBILL_TEST_MYSQL, MariaDB.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { parseMoney, type Banding, type Rate } from '../../daemon/src/rating/index.js';
import { knexAdopt } from '../../daemon/src/resilience/adopt.js';
import { Journal } from '../../daemon/src/resilience/journal.js';
import { knexLateCharge } from '../../daemon/src/resilience/late-charge.js';
import { wrapStore, type ResilientStore } from '../../daemon/src/resilience/resilient-store.js';
import type { BillingStore } from '../../daemon/src/session/ports.js';
import { forEachDatabase, type TestStore } from '../support/db.js';
import {
  answeredSettle,
  assertBooksBalance,
  at,
  authoriseReq,
  journalDir,
  unansweredSettle,
} from './support.js';

/** The database store whose authorise fails while `down` is set (nothing else changes). */
function flaky(inner: BillingStore): { store: BillingStore; down: { on: boolean } } {
  const down = { on: false };
  const store = new Proxy(inner, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv) as unknown;
      if (prop === 'authorise')
        return (req: Parameters<BillingStore['authorise']>[0]) =>
          down.on ? Promise.reject(new Error('database down')) : target.authorise(req);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store, down };
}

forEachDatabase((tdb) => {
  describe('outage calls are billed like normal calls', function () {
    this.timeout(60_000);
    let t: TestStore;
    let rate: Rate;
    let journal: Journal;
    let dir: string;
    let store: ResilientStore;
    let down: { on: boolean };
    /** The live calls the store cut to a shorter grant (uniqueid, seconds). */
    let cuts: [string, number][];

    before(async () => {
      t = await tdb.open({ probe: false });
      // 0.06 per minute, 60/6.
      rate = await t.seedRate({
        tariff: 'default',
        prefix: '44',
        rate: '0.06',
        initial: 60,
        increment: 6,
      });
    });
    beforeEach(async () => {
      dir = journalDir();
      journal = await Journal.open(dir);
      const f = flaky(t.store);
      down = f.down;
      cuts = [];
      store = wrapStore(f.store, {
        limitTo: (u, s) => void cuts.push([u, s]),
        journal,
        deadlineMs: 5000,
        policy: 'allow-capped',
        failureSeconds: 600,
        lateCharge: knexLateCharge(t.db),
        adopt: knexAdopt(t.db),
        now: () => at(3600),
      });
    });
    afterEach(async () => {
      await journal.close();
      rmSync(dir, { recursive: true, force: true });
    });
    after(async () => t.close());
    /** The daemon has identified these callers (the account answer it falls back on). */
    const seen = async (...names: string[]) => {
      for (const n of names) assert.ok(await store.accountByName(n));
    };

    it('an account with a day or month cap gets no outage grant (its room cannot be proven); one never read is refused', async () => {
      const day = await t.seedAccount({ balance: '1' });
      await t.store.setCaps(day.name, { dayMax: parseMoney('0.20') });
      const month = await t.seedAccount({ balance: '1' });
      await t.store.setCaps(month.name, { monthMax: parseMoney('5') });
      const unseen = await t.seedAccount({ balance: '1' });
      await seen(day.name, month.name, unseen.name);
      for (const [id, acct] of [
        ['cap-wd', day],
        ['cap-wm', month],
      ] as const) {
        assert.equal((await store.authorise(authoriseReq(id, acct.id, rate))).ok, true);
        await store.settle(answeredSettle(id, 42));
      }

      down.on = true;
      const refused = [];
      for (const [id, acct] of [
        ['cap-od', day],
        ['cap-om', month],
        ['cap-unseen', unseen],
      ] as const)
        refused.push((await store.authorise(authoriseReq(id, acct.id, rate))).ok);
      assert.deepEqual(refused, [false, false, false]);

      down.on = false;
      const rep = await store.replay();
      assert.equal(rep.remaining, 0, JSON.stringify(rep));
      await assertBooksBalance(t, day.name, day.balance, {
        'cap-wd': parseMoney('0.06'),
        'cap-od': 0n,
      });
      await assertBooksBalance(t, month.name, month.balance, {
        'cap-wm': parseMoney('0.06'),
        'cap-om': 0n,
      });
      for (const id of ['cap-od', 'cap-om', 'cap-unseen'])
        assert.equal((await t.store.cdr(id))?.reason, 'DBERROR', id);
    });

    it('the per-call cap bounds an outage grant (it holds whatever other daemons spent)', async () => {
      // 0.09 pays 90 s, and a call that runs on is charged 0.09.
      const b = await t.seedAccount({ balance: '5' });
      await t.store.setCaps(b.name, { callMax: parseMoney('0.09') });
      await seen(b.name);
      assert.equal((await store.authorise(authoriseReq('call-w', b.id, rate))).ok, true);
      await store.settle(unansweredSettle('call-w'));
      down.on = true;
      const g = await store.authorise(authoriseReq('call-o', b.id, rate));
      assert.deepEqual(g.ok && [g.maxSeconds, g.maxCost], [90, parseMoney('0.09')]);
      await store.settle(answeredSettle('call-o', 400));
      down.on = false;
      await store.replay();
      await assertBooksBalance(t, b.name, b.balance, {
        'call-w': 0n,
        'call-o': parseMoney('0.09'),
      });
      assert.equal((await t.store.cdr('call-o'))?.billsec, 90);
    });

    it('two daemons on one database: what the other spent since is not in a snapshot, so a capped account is refused and the day stays within its cap', async () => {
      const a = await t.seedAccount({ balance: '5', maxSeconds: 60 });
      await t.store.setCaps(a.name, { dayMax: parseMoney('0.20') });
      const free = await t.seedAccount({ balance: '5', maxSeconds: 60 });
      // Daemon 2: its own journal and outage policy, the same database.
      const dir2 = journalDir();
      const journal2 = await Journal.open(dir2);
      try {
        const f2 = flaky(t.store);
        const other = wrapStore(f2.store, {
          journal: journal2,
          deadlineMs: 5000,
          policy: 'allow-capped',
          failureSeconds: 600,
          lateCharge: knexLateCharge(t.db),
          adopt: knexAdopt(t.db),
          now: () => at(3600),
        });
        // Daemon 1 sees both accounts; its snapshot: 0.14 of the day left after its call.
        await seen(a.name, free.name);
        const w = await store.authorise(authoriseReq('two-w', a.id, rate));
        assert.deepEqual(w.ok && w.caps, { periodRoom: parseMoney('0.14'), callMax: null });
        await store.settle(answeredSettle('two-w', 42));
        assert.equal((await store.authorise(authoriseReq('two-fw', free.id, rate))).ok, true);
        await store.settle(unansweredSettle('two-fw'));
        // Daemon 2 then spends 0.12 more of the day on the database.
        assert.ok(await other.accountByName(a.name));
        for (const id of ['two-2a', 'two-2b']) {
          assert.equal((await other.authorise(authoriseReq(id, a.id, rate))).ok, true);
          await other.settle(answeredSettle(id, 60));
        }

        down.on = f2.down.on = true;
        const capped = await store.authorise(authoriseReq('two-o', a.id, rate));
        assert.equal(capped.ok, false, 'no grant from a snapshot daemon 2 has spent past');
        const uncapped = await store.authorise(authoriseReq('two-fo', free.id, rate));
        assert.equal(uncapped.ok, true, 'an account without a period cap still gets its call');
        await store.settle(answeredSettle('two-fo', 30));

        down.on = f2.down.on = false;
        assert.equal((await store.replay()).remaining, 0);
        await assertBooksBalance(t, a.name, a.balance, {
          'two-w': parseMoney('0.06'),
          'two-2a': parseMoney('0.06'),
          'two-2b': parseMoney('0.06'),
          'two-o': 0n,
        });
        assert.equal((await t.store.cdr('two-o'))?.reason, 'DBERROR');
        await assertBooksBalance(t, free.name, free.balance, {
          'two-fw': 0n,
          'two-fo': parseMoney('0.06'),
        });
      } finally {
        await journal2.close();
        rmSync(dir2, { recursive: true, force: true });
      }
    });

    it('after a restart, an outage grant of the earlier run (its call may still be up) is held against the next outage grants', async () => {
      const a = await t.seedAccount({ balance: '0.12', maxSeconds: 60 }); // two 60 s blocks
      await seen(a.name);
      assert.equal((await store.authorise(authoriseReq('orph-w', a.id, rate))).ok, true);
      await store.settle(unansweredSettle('orph-w'));
      down.on = true;
      assert.equal((await store.authorise(authoriseReq('orph-1', a.id, rate))).ok, true);
      // The daemon stops with that call up; the next run opens the same journal.
      await journal.close();
      journal = await Journal.open(dir);
      const f = flaky(t.store);
      let now = at(10);
      // (No adoption: only authorise fails here, and orph-2 is to stay an outage call.)
      const next = wrapStore(f.store, {
        journal,
        deadlineMs: 5000,
        policy: 'allow-capped',
        failureSeconds: 600,
        lateCharge: knexLateCharge(t.db),
        now: () => now,
      });
      assert.ok(await next.accountByName(a.name));
      assert.equal((await next.authorise(authoriseReq('orph-w2', a.id, rate))).ok, true);
      await next.settle(unansweredSettle('orph-w2'));
      f.down.on = true;
      const grants = [];
      for (const id of ['orph-2', 'orph-3'])
        grants.push((await next.authorise(authoriseReq(id, a.id, rate))).ok);
      assert.deepEqual(grants, [true, false], 'the orphan holds one of the two blocks');
      await next.settle(answeredSettle('orph-2', 60));
      // Long after the orphan's grant could have ended: charged by what can be proven (no answer seen).
      f.down.on = false;
      now = at(3600);
      assert.equal((await next.replay()).remaining, 0);
      await assertBooksBalance(t, a.name, a.balance, {
        'orph-w': 0n,
        'orph-w2': 0n,
        'orph-1': 0n,
        'orph-2': parseMoney('0.06'),
        'orph-3': 0n,
      });
    });

    it('holds its trunk channel until the journal writes it back, and its CDR gets the trunk and buy cost', async () => {
      const a = await t.seedAccount({ balance: '10' });
      const trunk = await t.store.addTrunk({
        name: 'out1',
        dial: 'PJSIP/{number}@out1',
        stripDigits: 0,
        techPrefix: '',
        maxChannels: 1,
        enabled: true,
      });
      const buy: Rate = { ...rate, tariff: 'out1', ratePerMin: parseMoney('0.02') };
      const claim = (uniqueid: string) =>
        t.store.claimTrunk({
          uniqueid,
          trunkId: trunk.id,
          trunk: 'out1',
          channel: `PJSIP/out1-${uniqueid}`,
          node: 'n1',
          buy,
          start: at(1),
        });
      await seen(a.name);
      assert.equal((await store.authorise(authoriseReq('tr-w', a.id, rate))).ok, true);
      await store.settle(unansweredSettle('tr-w'));
      down.on = true;
      assert.equal((await store.authorise(authoriseReq('tr-o', a.id, rate))).ok, true);
      down.on = false; // back for the claim; the outage call has no reservation in the database
      const held = await claim('tr-o');
      assert.ok(held.ok);
      await t.store.closeAttempt(held.attemptId, {
        outcome: 'ANSWERED',
        cause: 16,
        techCause: null,
        end: at(2),
      });
      assert.equal((await store.authorise(authoriseReq('tr-n', a.id, rate))).ok, true);
      assert.deepEqual(await claim('tr-n'), { ok: false }, 'the one channel is the outage call’s');
      await store.settle(unansweredSettle('tr-n'));

      await store.settle(answeredSettle('tr-o', 90));
      await store.replay();
      const cdr = await t.store.cdr('tr-o');
      assert.deepEqual(
        [cdr?.trunk, cdr?.cost, cdr?.buyCost],
        ['out1', parseMoney('0.09'), parseMoney('0.03')],
      );
      assert.equal((await claim('tr-m')).ok, true, 'written back: the channel is free');
      await assertBooksBalance(t, a.name, a.balance, {
        'tr-w': 0n,
        'tr-n': 0n,
        'tr-o': parseMoney('0.09'),
      });
    });

    it('journals a banded rate’s bands: a call crossing into the peak is priced per band at replay', async () => {
      const a = await t.seedAccount({ balance: '10' });
      // Peak from 10:01 UTC every day at 0.60 a minute; before it the base 0.06.
      const banding: Banding = {
        zone: 'UTC',
        bands: [
          {
            name: 'peak',
            days: [1, 2, 3, 4, 5, 6, 7],
            from: 601,
            to: 1440,
            ratePerMin: parseMoney('0.60'),
          },
        ],
      };
      const banded: Rate = { ...rate, banding };
      await seen(a.name);
      assert.equal((await store.authorise(authoriseReq('band-w', a.id, banded))).ok, true);
      await store.settle(unansweredSettle('band-w'));
      down.on = true;
      assert.equal((await store.authorise(authoriseReq('band-o', a.id, banded))).ok, true);
      // Answered 10:00:05, 120 s: 55 s base (0.055), 65 s peak (0.65): 66 s billed in the peak.
      await store.settle(answeredSettle('band-o', 120));
      // A reader of the journal (a restart) must see the bands as written.
      const read = await Journal.read(dir);
      const rec = read.pending.find((r) => r.kind === 'outage-call');
      assert.deepEqual(rec && rec.kind === 'outage-call' && rec.grant.req.rate.banding, banding);
      down.on = false;
      await store.replay();
      const cdr = await t.store.cdr('band-o');
      assert.deepEqual(
        cdr?.bandSplit?.map((s) => s.band),
        ['base', 'peak'],
      );
      const total = (cdr?.bandSplit ?? []).reduce((s, x) => s + x.cost, 0n);
      assert.equal(cdr?.cost, total, 'the charge is the sum of the bands');
      assert.ok(
        cdr && cdr.cost > parseMoney('0.12'),
        `priced per band, not at the base: ${cdr?.cost}`,
      );
      await assertBooksBalance(t, a.name, a.balance, { 'band-w': 0n, 'band-o': cdr!.cost });
    });

    it('an outage call still up when the database is back is adopted: settled once, through settle', async () => {
      const a = await t.seedAccount({ balance: '10' });
      await seen(a.name);
      assert.equal((await store.authorise(authoriseReq('ad-w', a.id, rate))).ok, true);
      await store.settle(unansweredSettle('ad-w'));
      down.on = true;
      const g = await store.authorise(authoriseReq('ad-o', a.id, rate));
      assert.ok(g.ok);
      await store.markAnswered('ad-o', at(5));
      down.on = false;
      const rep = await store.replay();
      assert.deepEqual(
        rep.replayed.map((r) => [r.uniqueid, r.outcome]),
        [['ad-o', 'adopted']],
      );
      assert.equal(store.pending(), 0, 'the grant and its answer are retired');
      const open = await t.store.cdr('ad-o');
      assert.deepEqual(
        [open?.status, open?.answer?.toISOString(), open?.maxCost],
        ['open', at(5).toISOString(), g.maxCost],
      );
      assert.equal((await t.store.accountDetails(a.name))?.reserved, g.maxCost);
      assert.deepEqual(
        (await t.store.reservations()).map((r) => r.uniqueid).filter((u) => u === 'ad-o'),
        ['ad-o'],
      );
      // Adopting again (a restart before the done marks) writes nothing: the call is held.
      assert.deepEqual(
        await knexAdopt(t.db)(
          { req: authoriseReq('ad-o', a.id, rate), maxSeconds: g.maxSeconds, maxCost: g.maxCost },
          at(5),
        ),
        { outcome: 'held', maxSeconds: g.maxSeconds },
      );
      assert.deepEqual(cuts, [], 'a call held with its own grant is not cut');
      const s = await store.settle(answeredSettle('ad-o', 50));
      assert.deepEqual([s.settled, 'pending' in s, s.cost], [true, false, parseMoney('0.06')]);
      assert.equal((await store.replay()).replayed.length, 0);
      await assertBooksBalance(t, a.name, a.balance, { 'ad-w': 0n, 'ad-o': parseMoney('0.06') });
    });

    it('a timed-out authorise that committed a shorter grant: the live call is cut to it and billed by it', async () => {
      const a = await t.seedAccount({ balance: '10' });
      await seen(a.name);
      assert.equal((await store.authorise(authoriseReq('cut-w', a.id, rate))).ok, true);
      await store.settle(unansweredSettle('cut-w'));
      down.on = true;
      const req = authoriseReq('cut-o', a.id, rate);
      const g = await store.authorise(req);
      assert.deepEqual([g.ok, g.ok && g.maxSeconds], [true, 600], 'the outage grant');
      await store.markAnswered('cut-o', at(5));
      // The authorise the daemon gave up on commits after all, with less time (here its request
      // allows 120 s, as a balance spent meanwhile would).
      const late = await t.store.authorise({ ...req, defaultMaxSeconds: 120 });
      assert.deepEqual([late.ok, late.ok && late.maxSeconds], [true, 120]);
      down.on = false;
      const rep = await store.replay();
      assert.deepEqual(
        rep.replayed.map((r) => [r.uniqueid, r.outcome]),
        [['cut-o', 'adopted']],
      );
      assert.deepEqual(cuts, [['cut-o', 120]], 'the live call is cut to the committed grant');
      assert.equal(store.pending(), 0, 'the grant and its answer are retired');
      const open = await t.store.cdr('cut-o');
      assert.deepEqual(
        [open?.status, open?.answer?.toISOString(), open?.maxSeconds],
        ['open', at(5).toISOString(), 120],
      );
      // Its end reaches the database's settle (not the journal), billed within the 120 s held.
      const s = await store.settle(answeredSettle('cut-o', 130));
      assert.deepEqual([s.settled, 'pending' in s, s.cost], [true, false, parseMoney('0.12')]);
      await assertBooksBalance(t, a.name, a.balance, { 'cut-w': 0n, 'cut-o': parseMoney('0.12') });
      assert.equal((await t.store.cdr('cut-o'))?.billsec, 120);
    });

    it('adopt racing the call’s end charges it once', async () => {
      const a = await t.seedAccount({ balance: '10' });
      await seen(a.name);
      assert.equal((await store.authorise(authoriseReq('race-w', a.id, rate))).ok, true);
      await store.settle(unansweredSettle('race-w'));
      down.on = true;
      assert.ok((await store.authorise(authoriseReq('race-o', a.id, rate))).ok);
      down.on = false;
      await Promise.all([store.replay(), store.settle(answeredSettle('race-o', 70))]);
      await store.replay();
      assert.equal(store.pending(), 0);
      await assertBooksBalance(t, a.name, a.balance, {
        'race-w': 0n,
        'race-o': parseMoney('0.072'),
      });
      assert.equal((await t.store.cdr('race-o'))?.billsec, 70);
    });
    it('an authorise once the database is back counts the outage calls still up: no overdraft', async () => {
      const a = await t.seedAccount({ balance: '0.06' }); // one 60 s block
      await seen(a.name);
      assert.equal((await store.authorise(authoriseReq('ov-w', a.id, rate))).ok, true);
      await store.settle(unansweredSettle('ov-w'));
      down.on = true;
      const g = await store.authorise(authoriseReq('ov-o', a.id, rate));
      assert.deepEqual(g.ok && g.maxCost, parseMoney('0.06'), 'the outage call takes it all');
      down.on = false;
      const next = await store.authorise(authoriseReq('ov-d', a.id, rate));
      assert.deepEqual(next.ok ? 'granted' : next.reason, 'NOCREDIT');
      const acct = (await t.store.accountDetails(a.name))!;
      assert.deepEqual([acct.balance, acct.reserved], [parseMoney('0.06'), parseMoney('0.06')]);
      await store.settle(answeredSettle('ov-o', 40));
      await assertBooksBalance(t, a.name, a.balance, {
        'ov-w': 0n,
        'ov-o': parseMoney('0.06'),
        'ov-d': 0n,
      });
    });
  });
});

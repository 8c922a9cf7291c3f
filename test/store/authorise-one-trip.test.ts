/**
 * Authorising in one round trip (store/tx/authorise-one-trip.ts): on MariaDB an authorise that
 * carries the account its set-up read saw (`seen`) is one guarded batch; it must write exactly
 * the rows tx/authorise writes (reservation, open CDR, account money), fall back to tx/authorise
 * when anything the grant depends on changed since the set-up read, and hold when two daemons
 * (two pools) authorise on one account at once. SQLite has no one-trip batch: the same
 * authorises go through tx/authorise there.
 */
import assert from 'node:assert/strict';
import type { Rate } from '../../daemon/src/rating/index.js';
import type { Account, AuthoriseRequest } from '../../daemon/src/session/ports.js';
import { writeCaps } from '../../daemon/src/store/caps.js';
import { setDestRules } from '../../daemon/src/store/dest-rules.js';
import { forEachDatabase, money, uniqueName, type TestStore } from '../support/db.js';
import { roundTrips } from '../support/round-trips.js';

const TARIFF = 'onetrip';
/** A tariff of its own for the tariff-wide rule (it would refuse every other test's calls). */
const RULED = 'onetrip-ruled';

describe('authorising in one round trip', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;
    let rate: Rate;
    let free: Rate;
    const start = new Date('2030-05-01T10:00:00.000Z');
    const mysql = tdb.kind === 'mysql';

    const req = (accountId: number, extra: Partial<AuthoriseRequest> = {}): AuthoriseRequest => ({
      uniqueid: uniqueName('call'),
      accountId,
      src: '15550100',
      dst: '447700900123',
      rate,
      node: 'node1',
      defaultMaxSeconds: 300,
      start,
      ...extra,
    });

    const seenOf = async (name: string): Promise<Account> => (await t.store.accountByName(name))!;

    /** What tx/authorise leaves for one call: the account's money and the call's two rows. */
    async function rows(name: string, uniqueid: string) {
      const a = (await t.store.accountByName(name))!;
      const res = (await t.knex('astcreditres').where({ uniqueid }).first()) as
        Record<string, unknown> | undefined;
      const cdr = (await t.knex('astcdr').where({ uniqueid }).first()) as Record<string, unknown>;
      const strip = (r: Record<string, unknown> | undefined, ...keys: string[]) =>
        r && Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));
      return {
        money: [a.balance, a.reserved],
        reservation: strip(res, 'uniqueid', 'account_id'),
        cdr: strip(cdr, 'id', 'uniqueid', 'account_id', 'account'),
        live: (await t.store.reservations()).filter((r) => r.accountId === a.id).length,
      };
    }

    /**
     * Two twin accounts: `change` applied to both after the set-up read; one authorised with what
     * that read saw, the other without (tx/authorise). Returns both outcomes and rows.
     */
    async function twins(
      balance: string,
      opts: {
        change?: (a: { id: number; name: string }) => Promise<unknown>;
        extra?: Partial<AuthoriseRequest>;
        seed?: Parameters<TestStore['seedAccount']>[0];
      } = {},
    ) {
      const [a, b] = [
        await t.seedAccount({ balance, tariff: TARIFF, ...opts.seed }),
        await t.seedAccount({ balance, tariff: TARIFF, ...opts.seed }),
      ];
      const seen = await seenOf(a.name);
      if (opts.change) for (const x of [a, b]) await opts.change(x);
      const [ra, rb] = [req(a.id, opts.extra), req(b.id, opts.extra)];
      let resA: unknown;
      const trips = await roundTrips(async () => {
        resA = await t.store.authorise({ ...ra, seen });
      });
      const resB = await t.store.authorise(rb);
      return {
        trips,
        results: [resA, resB],
        rows: [await rows(a.name, ra.uniqueid), await rows(b.name, rb.uniqueid)],
      };
    }

    before(async () => {
      t = await tdb.open();
      // 0.05/min on 60/6, no fee: 0.05 buys exactly the first block.
      rate = await t.seedRate({ tariff: TARIFF, prefix: '44', rate: '0.05', initial: 60 });
      free = await t.seedRate({ tariff: TARIFF, prefix: '800', rate: '0', initial: 60 });
      await t.seedRate({ tariff: RULED, prefix: '44', rate: '0.05', initial: 60 });
    });

    for (const [balance, seconds, cost] of [
      ['10', 300, '0.25'],
      ['0.17', 204, '0.17'],
      ['0.05', 60, '0.05'],
    ] as const) {
      it(`writes the rows tx/authorise writes, in one round trip: balance ${balance}`, async () => {
        const r = await twins(balance);
        assert.deepEqual(r.results[0], {
          ok: true,
          maxSeconds: seconds,
          maxCost: money(cost),
          available: money(balance),
        });
        assert.deepEqual(r.results[0], r.results[1]);
        assert.deepEqual(r.rows[0], r.rows[1]);
        assert.deepEqual(r.rows[0]!.money, [money(balance), money(cost)]);
        assert.equal(r.rows[0]!.cdr!.status, 'open');
        assert.equal(r.trips, mysql ? 1 : 0);
      });
    }

    it('refuses like tx/authorise when the money pays for no block (NOCREDIT CDR)', async () => {
      const r = await twins('0.04');
      assert.deepEqual(r.results[0], { ok: false, reason: 'NOCREDIT', available: money('0.04') });
      assert.deepEqual(r.results[0], r.results[1]);
      assert.deepEqual(r.rows[0], r.rows[1]);
      assert.equal(r.rows[0]!.reservation, undefined);
    });

    const setAccount = (cols: Record<string, unknown>) => (a: { id: number }) =>
      t.knex('astaccount').where({ id: a.id }).update(cols);
    const noCaps = {
      dayMax: null,
      monthMax: null,
      callMax: null,
      callsPerMin: null,
      lowBalance: null,
      largeTopup: null,
      burstMinutes: null,
      burstSpend: null,
      blockedDestPerMin: null,
      concurrentMax: null,
    };
    for (const [what, change, outcome, extra, seed] of [
      ['the balance', setAccount({ balance: money('0.35') }), 'ok'],
      ['the reserved money', setAccount({ reserved: money('9.80') }), 'ok'],
      ['the credit limit', setAccount({ credit_limit: money('1') }), 'ok'],
      ['the longest call', setAccount({ max_seconds: 120 }), 'ok'],
      ['the status', setAccount({ status: 'blocked' }), 'BLOCKED'],
      [
        'the charging mode',
        setAccount({ charging_mode: 'grant' }),
        'ok',
        { charging: { mode: 'single', grantSeconds: 60 } },
      ],
      [
        'a spend cap',
        (a: { id: number }) => writeCaps(t.knex, a.id, { ...noCaps, callMax: money('0.10') }),
        'ok',
      ],
      [
        'a destination rule',
        (a: { name: string }) => setDestRules(t.db, 'account', a.name, ['44'], 'deny'),
        'BLOCKEDDEST',
      ],
      [
        "the tariff's destination rules",
        () => setDestRules(t.db, 'tariff', RULED, ['44'], 'deny'),
        'BLOCKEDDEST',
        undefined,
        { tariff: RULED },
      ],
    ] as const) {
      it(`falls back to tx/authorise when ${what} changed since the set-up read`, async () => {
        const r = await twins('10', {
          change,
          ...(extra ? { extra } : {}),
          ...(seed ? { seed } : {}),
        });
        const [a] = r.results as { ok: boolean; reason?: string; maxCost?: bigint }[];
        assert.equal(a!.ok ? 'ok' : a!.reason, outcome);
        assert.deepEqual(r.results[0], r.results[1]);
        assert.deepEqual(r.rows[0], r.rows[1]);
        // MariaDB: the guarded batch (nothing written), then tx/authorise's two.
        assert.equal(r.trips, mysql ? 3 : 0);
      });
    }

    it('a card goes through tx/authorise: its expiry caps the call', async () => {
      const { cards } = await t.store.generateCards({
        count: 1,
        value: money('10'),
        tariff: TARIFF,
        expires: new Date(start.getTime() + 100_000),
        operator: 'test',
      });
      const seen = (await t.store.accountByPin(cards[0]!.pin))!;
      let res: unknown;
      const trips = await roundTrips(async () => {
        res = await t.store.authorise({ ...req(seen.id), seen });
      });
      // 96 s: the last boundary before the expiry, not the 300 s the money pays for.
      assert.deepEqual(res, {
        ok: true,
        maxSeconds: 96,
        maxCost: money('0.08'),
        available: money('10'),
      });
      if (mysql) assert.ok(trips > 1, `${trips} round trips`);
    });

    it('a stale balance reserves what the account has now', async () => {
      const a = await t.seedAccount({ balance: '10', tariff: TARIFF });
      const seen = await seenOf(a.name);
      await t
        .knex('astaccount')
        .where({ id: a.id })
        .update({ balance: money('0.17') });
      const res = await t.store.authorise({ ...req(a.id), seen });
      assert.deepEqual(res, {
        ok: true,
        maxSeconds: 204,
        maxCost: money('0.17'),
        available: money('0.17'),
      });
      assert.deepEqual((await rows(a.name, '')).money, [money('0.17'), money('0.17')]);
    });

    it('max_calls counts a live call that reserved nothing (a free number)', async () => {
      // The first call is free: reserved stays 0, so only the live-reservation check sees it.
      const a = await t.seedAccount({ balance: '10', tariff: TARIFF, maxCalls: 1 });
      const seen = await seenOf(a.name);
      const first = await t.store.authorise({ ...req(a.id, { rate: free, dst: '8001234' }), seen });
      assert.ok(first.ok && first.maxCost === 0n);
      assert.deepEqual(await seenOf(a.name), seen, 'nothing the lock checks has changed');
      let second: unknown;
      const trips = await roundTrips(async () => {
        second = await t.store.authorise({ ...req(a.id), seen });
      });
      assert.deepEqual(second, { ok: false, reason: 'LIMIT', available: money('10') });
      // MariaDB: the guarded batch, then tx/authorise (which counts the live calls apart).
      if (mysql) assert.ok(trips > 1, `${trips} round trips`);
      assert.equal((await rows(a.name, '')).live, 1);
    });

    it('two daemons: 8 calls at once on max_calls 2 grant 2', async () => {
      const other = await tdb.open();
      const a = await t.seedAccount({ balance: '10', tariff: TARIFF, maxCalls: 2 });
      const seen = await seenOf(a.name);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? other : t).store.authorise({ ...req(a.id), seen }),
        ),
      );
      assert.equal(results.filter((r) => r.ok).length, 2);
      assert.deepEqual(
        results.filter((r) => !r.ok).map((r) => !r.ok && r.reason),
        Array(6).fill('LIMIT'),
      );
      const after = await rows(a.name, '');
      assert.equal(after.live, 2);
      assert.deepEqual(after.money, [money('10'), 2n * money('0.25')]);
    });

    it('two daemons: 20 calls at once never reserve more than the money', async () => {
      const other = await tdb.open();
      // 1.10 pays four whole calls of 300 s (0.25 each) and one of 120 s (0.10).
      const a = await t.seedAccount({ balance: '1.10', tariff: TARIFF });
      const seen = await seenOf(a.name);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? other : t).store.authorise({ ...req(a.id), seen }),
        ),
      );
      const granted = results.filter((r) => r.ok);
      assert.deepEqual(
        granted.map((r) => (r.ok ? r.maxCost : 0n)).sort((x, y) => (x < y ? 1 : -1)),
        [...Array(4).fill(money('0.25')), money('0.10')],
      );
      const after = await rows(a.name, '');
      assert.deepEqual(after.money, [money('1.10'), money('1.10')]);
      assert.equal(after.live, 5);
      const held = (await t.store.reservations()).filter((r) => r.accountId === a.id);
      assert.equal(
        held.reduce((s, r) => s + r.maxCost, 0n),
        money('1.10'),
      );
    });

    it('the same uniqueid again, also from two daemons at once, reserves once', async () => {
      const other = await tdb.open();
      const a = await t.seedAccount({ balance: '10', tariff: TARIFF });
      const seen = await seenOf(a.name);
      const r = { ...req(a.id), seen };
      // A repeat answers the grant again (with what is available now).
      const grant = (x: Awaited<ReturnType<typeof t.store.authorise>>) =>
        x.ok ? [x.maxSeconds, x.maxCost] : x.reason;
      const first = await t.store.authorise(r);
      assert.deepEqual(grant(first), [300, money('0.25')]);
      const again = await Promise.all([t.store.authorise(r), other.store.authorise(r)]);
      for (const x of again) assert.deepEqual(grant(x), grant(first));
      const b = { ...req(a.id), seen: await seenOf(a.name) };
      const both = await Promise.all([t.store.authorise(b), other.store.authorise(b)]);
      for (const x of both) assert.deepEqual(grant(x), [300, money('0.25')]);
      const after = await rows(a.name, r.uniqueid);
      assert.equal(after.live, 2);
      assert.deepEqual(after.money, [money('10'), 2n * money('0.25')]);
    });
  });
});

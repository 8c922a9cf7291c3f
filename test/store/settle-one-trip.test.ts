/**
 * Settling in one round trip (store/tx/settle-one-trip.ts): on MariaDB a settle that carries the
 * daemon's hints is one guarded batch; it must leave exactly the books tx/settle leaves (balance,
 * reserved, ledger, CDR), charge a call once however often it is settled, fall back to tx/settle
 * when a hint is wrong, and hold when two daemons (two pools) settle at once. SQLite has no
 * one-trip batch: the same settles go through tx/settle there.
 */
import assert from 'node:assert/strict';
import type { Rate } from '../../daemon/src/rating/index.js';
import type { SettleHints, SettleRequest } from '../../daemon/src/session/ports.js';
import { forEachDatabase, money, uniqueName, type TestStore } from '../support/db.js';
import { roundTrips } from '../support/round-trips.js';

describe('settling in one round trip', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;
    let rate: Rate;
    const start = new Date('2030-05-01T10:00:00.000Z');
    const at = (s: number) => new Date(start.getTime() + s * 1000);

    async function grant(accountId: number): Promise<{ id: string; hints: SettleHints }> {
      const id = uniqueName('call');
      const res = await t.store.authorise({
        uniqueid: id,
        accountId,
        src: '1555',
        dst: '447700900123',
        rate,
        node: 'node1',
        defaultMaxSeconds: 120,
        start,
      });
      assert.ok(res.ok);
      return {
        id,
        hints: { accountId, maxCost: res.maxCost, maxSeconds: res.maxSeconds, start, rate },
      };
    }

    async function books(accountId: number, name: string, id: string) {
      const a = (await t.store.accountByName(name))!;
      const c = (await t.store.cdr(id))!;
      return {
        money: [a.balance, a.reserved],
        ledger: (await t.store.ledger(accountId)).map((e) => [e.kind, e.amount, e.balanceAfter]),
        cdr: [
          c.status,
          c.disposition,
          c.billsec,
          c.duration,
          c.cost,
          c.answer?.toISOString() ?? null,
          c.end?.toISOString(),
          c.hangupCause,
          c.note,
          c.endSource,
        ],
        reserved: (await t.store.reservations()).some((r) => r.uniqueid === id),
      };
    }

    /** Settles `req` with hints on one account and without on a twin; returns both books. */
    async function twins(req: (id: string) => SettleRequest, hintsOf = (h: SettleHints) => h) {
      const [a, b] = [
        await t.seedAccount({ balance: '10' }),
        await t.seedAccount({ balance: '10' }),
      ];
      const [ga, gb] = [await grant(a.id), await grant(b.id)];
      let resA: unknown;
      const trips = await roundTrips(async () => {
        resA = await t.store.settle({ ...req(ga.id), hints: hintsOf(ga.hints) });
      });
      const resB = await t.store.settle(req(gb.id));
      return {
        trips,
        results: [resA, resB],
        books: [await books(a.id, a.name, ga.id), await books(b.id, b.name, gb.id)],
      };
    }

    const answered = (billsec: number) => (id: string) =>
      ({
        uniqueid: id,
        disposition: 'ANSWERED',
        hangupCause: 16,
        answer: at(5),
        end: at(5 + billsec),
        billsec,
      }) as const;

    before(async () => {
      t = await tdb.open();
      rate = await t.seedRate({
        prefix: '44',
        rate: '0.05',
        connect: '0.10',
        initial: 60,
        increment: 6,
      });
    });

    for (const [what, req] of [
      ['an answered call', answered(95)],
      ['a call measured past its grant', answered(125)],
      ['an answered call of 0 s', answered(0)],
      [
        'an unanswered call with a note',
        (id: string): SettleRequest => ({
          uniqueid: id,
          disposition: 'NO ANSWER',
          hangupCause: 19,
          answer: null,
          end: at(30),
          billsec: 0,
          note: 'limit',
        }),
      ],
    ] as const) {
      it(`leaves the books tx/settle leaves: ${what}`, async () => {
        const r = await twins(req);
        assert.deepEqual(r.results[0], r.results[1]);
        assert.deepEqual(r.books[0], r.books[1]);
        assert.equal(r.books[0]!.reserved, false);
        // One round trip on MariaDB; SQLite settles through tx/settle (mysql2 sends nothing).
        assert.equal(r.trips, tdb.kind === 'mysql' ? 1 : 0);
      });
    }

    it('charges 95 s at 0.05/min on 60/6 with a 0.10 fee 0.18, once, however often it is settled', async () => {
      const a = await t.seedAccount({ balance: '10' });
      const g = await grant(a.id);
      const req = { ...answered(95)(g.id), hints: g.hints };
      const first = await t.store.settle(req);
      const again = await t.store.settle(req);
      assert.deepEqual(first, {
        settled: true,
        cost: money('0.18'),
        billsec: 95,
        balanceAfter: money('9.82'),
      });
      assert.deepEqual(again, {
        settled: false,
        cost: money('0.18'),
        billsec: 95,
        balanceAfter: money('9.82'),
      });
      const b = await books(a.id, a.name, g.id);
      assert.deepEqual(b.money, [money('9.82'), 0n]);
      assert.deepEqual(
        b.ledger.filter((e) => e[0] === 'charge'),
        [['charge', -money('0.18'), money('9.82')]],
      );
    });

    it('settles the ordinary way when a hint is wrong (the guard)', async () => {
      for (const wrong of [
        (h: SettleHints) => ({ ...h, maxCost: h.maxCost + 1n }),
        (h: SettleHints) => ({ ...h, maxSeconds: h.maxSeconds + 60 }),
        (h: SettleHints) => ({ ...h, rate: { ...h.rate, ratePerMin: h.rate.ratePerMin * 2n } }),
        (h: SettleHints) => ({ ...h, start: at(1) }),
      ]) {
        const r = await twins(answered(95), wrong);
        assert.deepEqual(r.results[0], r.results[1]);
        assert.deepEqual(r.books[0], r.books[1]);
        // MariaDB: the guarded batch (nothing written), then tx/settle's two.
        if (tdb.kind === 'mysql') assert.equal(r.trips, 3);
      }
    });

    it('two daemons settling one account at once charge every call exactly once', async () => {
      const other = await tdb.open();
      const a = await t.seedAccount({ balance: '10' });
      const grants = [];
      for (let i = 0; i < 8; i++) grants.push(await grant(a.id));
      // Every call is settled by both daemons at the same time.
      const results = await Promise.all(
        grants.flatMap((g) => {
          const req = { ...answered(95)(g.id), hints: g.hints };
          return [t.store.settle(req), other.store.settle(req)];
        }),
      );
      assert.equal(results.filter((r) => r.settled).length, 8, 'each call settled once');
      const b = await books(a.id, a.name, grants[0]!.id);
      assert.deepEqual(b.money, [money('10') - 8n * money('0.18'), 0n]);
      const charges = b.ledger.filter((e) => e[0] === 'charge');
      assert.equal(charges.length, 8);
      assert.deepEqual(
        charges.map((e) => e[2]).sort((x, y) => (x! > y! ? -1 : 1)),
        Array.from({ length: 8 }, (_, i) => money('10') - BigInt(i + 1) * money('0.18')),
        'each charge row carries the balance after it',
      );
      assert.deepEqual(await t.store.reservations(), []);
    });
  });
});

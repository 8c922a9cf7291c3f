/**
 * Pipelined money transactions (daemon/src/store/mysql-client.ts): BEGIN and the writes whose
 * results nobody reads travel with the next statement. These tests hold it to what matters for
 * money: the same outcome as one statement at a time, nothing half-written when a batch fails,
 * no pooled connection left inside a transaction, deadlocks still re-run; and, on MariaDB, a
 * call's authorise and settle in two round trips each.
 */
import assert from 'node:assert/strict';
import { lockAccount, writeAccountMoney } from '../../daemon/src/store/accounts.js';
import { isUniqueViolation } from '../../daemon/src/store/errors.js';
import { insertReservation } from '../../daemon/src/store/reservations.js';
import type { Rate } from '../../daemon/src/rating/index.js';
import type { AuthoriseRequest } from '../../daemon/src/session/ports.js';
import { forEachDatabase, money, uniqueName, type TestStore } from '../support/db.js';
import { roundTrips } from '../support/round-trips.js';

describe('pipelined money transactions', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;
    let rate: Rate;
    const start = new Date('2030-06-01T09:00:00.000Z');
    const request = (accountId: number): AuthoriseRequest => ({
      uniqueid: uniqueName('call'),
      accountId,
      src: '1555',
      dst: '447700900123',
      rate,
      node: 'node1',
      defaultMaxSeconds: 3600,
      start,
    });
    const settleAnswered = (uniqueid: string, billsec: number) =>
      t.store.settle({
        uniqueid,
        disposition: 'ANSWERED',
        hangupCause: 16,
        answer: start,
        end: new Date(start.getTime() + billsec * 1000),
        billsec,
      });

    before(async () => {
      // One connection: a connection handed back inside a transaction would carry it into the next step.
      t = await tdb.open({ poolMax: 1 });
      rate = await t.seedRate({
        tariff: 'default',
        prefix: '44',
        rate: '0.06',
        initial: 60,
        increment: 60,
      });
    });

    it('writes nothing when a write sent with the COMMIT fails, and leaves no transaction open', async () => {
      const a = await t.seedAccount({ balance: '10' });
      const taken = request(a.id);
      assert.equal((await t.store.authorise(taken)).ok, true);

      // A top-up and a reservation whose uniqueid is taken: on MySQL both travel with the COMMIT.
      const err = await t.db
        .tx(async (trx) => {
          const locked = (await lockAccount(trx, a.id))!;
          await writeAccountMoney(
            trx,
            a.id,
            { balance: locked.balance + money('1000'), reserved: locked.reserved },
            start,
          );
          await insertReservation(trx, {
            uniqueid: taken.uniqueid,
            accountId: a.id,
            maxCost: 1n,
            maxSeconds: 1,
            node: 'node1',
            created: start,
          });
        })
        .then(
          () => null,
          (e: unknown) => e,
        );
      assert.ok(isUniqueViolation(err), `expected a duplicate key, got ${String(err)}`);
      assert.equal((await t.store.accountByName(a.name))!.balance, money('10'));

      // Were the top-up's transaction still open on the pooled connection, the next BEGIN would commit it.
      await settleAnswered(taken.uniqueid, 60);
      const next = request(a.id);
      assert.equal((await t.store.authorise(next)).ok, true);
      await settleAnswered(next.uniqueid, 120);
      const after = (await t.store.accountByName(a.name))!;
      assert.deepEqual([after.balance, after.reserved], [money('9.82'), 0n]);
      if (tdb.kind === 'mysql') {
        const [[row]] = (await t.knex.raw('select @@in_transaction as open')) as [
          [{ open: number | string }],
        ];
        assert.equal(Number(row.open), 0);
      }
    });

    it('lets a read see the writes queued before it in the same transaction', async () => {
      const a = await t.seedAccount({ balance: '10' });
      const seen = await t.db
        .tx(async (trx) => {
          await writeAccountMoney(trx, a.id, { balance: money('123'), reserved: 0n }, start);
          const inside = (await lockAccount(trx, a.id))!.balance;
          throw Object.assign(new Error('roll back'), { inside });
        })
        .catch((e: { inside?: bigint }) => e.inside);
      assert.equal(seen, money('123'));
      assert.equal((await t.store.accountByName(a.name))!.balance, money('10'));
    });

    if (tdb.kind === 'mysql') {
      it('sends an authorise and a settle in two round trips each', async () => {
        const a = await t.seedAccount({ balance: '10' });
        const req = request(a.id);
        assert.equal(await roundTrips(() => t.store.authorise(req)), 2);
        assert.equal(await roundTrips(() => settleAnswered(req.uniqueid, 61)), 2);
        const acct = (await t.store.accountByName(a.name))!;
        assert.deepEqual([acct.balance, acct.reserved], [money('9.88'), 0n]);
        const cdr = (await t.store.cdrs({ account: a.name }))[0]!;
        assert.deepEqual([cdr.status, cdr.billsec, cdr.cost], ['settled', 61, money('0.12')]);
      });

      it('sends nothing for a transaction that fails before its first read', async () => {
        const a = await t.seedAccount({ balance: '10' });
        const n = await roundTrips(() =>
          t.db
            .tx(async (trx) => {
              await writeAccountMoney(trx, a.id, { balance: money('500'), reserved: 0n }, start);
              throw new Error('changed my mind');
            })
            .catch((e: Error) => assert.equal(e.message, 'changed my mind')),
        );
        assert.equal(n, 0);
        assert.equal((await t.store.accountByName(a.name))!.balance, money('10'));
      });

      it('re-runs a transaction whose queued writes deadlock at COMMIT', async () => {
        let retries = 0;
        const p = await tdb.open({ poolMax: 2, retry: { onRetry: () => void (retries += 1) } });
        const x = await t.seedAccount({ balance: '1' });
        const y = await t.seedAccount({ balance: '2' });
        const gate = () => {
          let open!: () => void;
          const opened = new Promise<void>((resolve) => (open = resolve));
          return { open, opened };
        };
        const xLocked = gate();
        const yLocked = gate();
        // Each locks one account, waits for the other, then writes the other's row with its COMMIT: a lock cycle.
        const crossed = (
          mine: number,
          theirs: number,
          locked: ReturnType<typeof gate>,
          other: ReturnType<typeof gate>,
          balance: string,
        ) =>
          p.db.tx(async (trx) => {
            await lockAccount(trx, mine);
            locked.open();
            await other.opened;
            await writeAccountMoney(trx, theirs, { balance: money(balance), reserved: 0n }, start);
          });
        await Promise.all([
          crossed(x.id, y.id, xLocked, yLocked, '20'),
          crossed(y.id, x.id, yLocked, xLocked, '10'),
        ]);
        assert.ok(
          retries >= 1,
          'one of the two transactions should have been chosen as the deadlock victim and re-run',
        );
        assert.deepEqual(
          [
            (await t.store.accountByName(x.name))!.balance,
            (await t.store.accountByName(y.name))!.balance,
          ],
          [money('10'), money('20')],
        );
      });
    }
  });
});

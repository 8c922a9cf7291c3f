/**
 * Grant-mode money transactions: the first grant at authorisation, each extension in one
 * transaction (reservation = cost of the granted total, CDR checkpoint), the final grant when
 * the money runs short, and concurrent extensions on one account never reserving more than it has.
 */
import assert from 'node:assert/strict';
import { callCost, type Rate } from '../../daemon/src/rating/index.js';
import type { GrantAuthoriseRequest } from '../../daemon/src/session/grant-ports.js';
import { saveCheckpoints } from '../../daemon/src/store/checkpoints.js';
import { forEachDatabase, money, uniqueName, type TestStore } from '../support/db.js';

describe('grant-mode charging in the store', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;
    let rate: Rate;
    const start = new Date('2030-05-01T10:00:00.000Z');
    const at = (s: number) => new Date(start.getTime() + s * 1000);
    const charging = { mode: 'grant' as const, grantSeconds: 60 };

    async function authorise(accountId: number, extra: Partial<GrantAuthoriseRequest> = {}) {
      const req: GrantAuthoriseRequest = {
        uniqueid: uniqueName('call'),
        accountId,
        src: '1555',
        dst: '447700900123',
        rate,
        node: 'node1',
        defaultMaxSeconds: 3600,
        start,
        charging,
        ...extra,
      };
      return { uniqueid: req.uniqueid, res: await t.store.authorise(req) };
    }
    const extend = (uniqueid: string, fromSeconds: number, confirmedSeconds: number) =>
      t.store.extend({
        uniqueid,
        fromSeconds,
        confirmedSeconds,
        at: at(confirmedSeconds),
        defaultMaxSeconds: 3600,
        defaultGrantSeconds: 60,
      });
    const reserved = async (name: string) => (await t.store.accountByName(name))!.reserved;

    before(async () => {
      t = await tdb.open();
      rate = await t.seedRate({
        tariff: 'default',
        prefix: '44',
        rate: '0.05',
        initial: 60,
        increment: 6,
      });
    });

    it('reserves only the first grant of a grant-mode call, and the whole call in single mode', async () => {
      const a = await t.seedAccount({ balance: '10' });
      const { uniqueid, res } = await authorise(a.id);
      assert.ok(res.ok);
      assert.deepEqual(
        [res.maxSeconds, res.maxCost, res.grant],
        [60, money('0.05'), { grantSeconds: 60, final: false }],
      );
      assert.equal(await reserved(a.name), money('0.05'));
      assert.equal((await t.store.grantColumns(uniqueid))?.grants, 1);
      const single = await authorise(a.id, { charging: { mode: 'single', grantSeconds: 60 } });
      assert.ok(single.res.ok);
      assert.deepEqual([single.res.maxSeconds, single.res.grant], [3600, undefined]);
    });

    it("follows the account's own charging mode and grant size over the daemon's default", async () => {
      const a = await t.seedAccount({ balance: '10' });
      await t.store.setCharging(a.name, { mode: 'grant', grantSeconds: 300 });
      const { res } = await authorise(a.id, { charging: { mode: 'single', grantSeconds: 60 } });
      assert.ok(res.ok);
      assert.deepEqual([res.maxSeconds, res.grant], [300, { grantSeconds: 300, final: false }]);
      await t.store.setCharging(a.name, { mode: 'single', grantSeconds: null });
      const two = await authorise(a.id, { charging });
      assert.ok(two.res.ok);
      assert.equal(two.res.grant, undefined);
    });

    it('extends by one grant in one transaction: reservation = cost of the total, checkpoint on the CDR', async () => {
      const a = await t.seedAccount({ balance: '10' });
      const { uniqueid } = await authorise(a.id);
      const r = await extend(uniqueid, 60, 50);
      assert.deepEqual(r, {
        ok: true,
        maxSeconds: 120,
        maxCost: money('0.10'),
        final: false,
        why: null,
        extended: true,
      });
      assert.equal(await reserved(a.name), money('0.10'));
      const res = (await t.store.reservations()).find((x) => x.uniqueid === uniqueid)!;
      assert.deepEqual([res.maxSeconds, res.maxCost], [120, money('0.10')]);
      const cdr = (await t.store.cdr(uniqueid))!;
      assert.deepEqual([cdr.maxSeconds, cdr.maxCost], [120, money('0.10')]);
      const g = (await t.store.grantColumns(uniqueid))!;
      assert.deepEqual(
        [g.grants, g.checkpointSecs, g.checkpointAt?.toISOString()],
        [2, 50, at(50).toISOString()],
      );
      // A repeated request (the daemon gave up waiting but it committed) grants nothing more.
      const again = await extend(uniqueid, 60, 51);
      assert.deepEqual(again, {
        ok: true,
        maxSeconds: 120,
        maxCost: money('0.10'),
        final: false,
        why: null,
        extended: false,
      });
      assert.equal(await reserved(a.name), money('0.10'));
    });

    it('grants the last affordable boundary as the final grant, then nothing more', async () => {
      // 0.09 pays 108 s at 0.05/min: first grant 60 s, then 48 s more (final), then nothing.
      const a = await t.seedAccount({ balance: '0.09' });
      const { uniqueid } = await authorise(a.id);
      const r = await extend(uniqueid, 60, 50);
      assert.deepEqual(r, {
        ok: true,
        maxSeconds: 108,
        maxCost: money('0.09'),
        final: true,
        why: 'credit',
        extended: true,
      });
      const none = await extend(uniqueid, 108, 98);
      assert.deepEqual(none, {
        ok: true,
        maxSeconds: 108,
        maxCost: money('0.09'),
        final: true,
        why: 'credit',
        extended: false,
      });
      assert.equal(await reserved(a.name), money('0.09'));
      const settled = await t.store.settle({
        uniqueid,
        disposition: 'ANSWERED',
        hangupCause: 16,
        answer: start,
        end: at(109),
        billsec: 109,
      });
      assert.deepEqual(
        [settled.billsec, settled.cost, settled.balanceAfter],
        [108, money('0.09'), 0n],
      );
      assert.equal(await reserved(a.name), 0n);
    });

    it('stops at the longest call (account max_seconds) and gives a blocked account nothing more', async () => {
      const a = await t.seedAccount({ balance: '10', maxSeconds: 150 });
      const { uniqueid } = await authorise(a.id);
      assert.deepEqual(await extend(uniqueid, 60, 50), {
        ok: true,
        maxSeconds: 120,
        maxCost: money('0.10'),
        final: false,
        why: null,
        extended: true,
      });
      const last = await extend(uniqueid, 120, 110);
      assert.deepEqual(
        [last.ok, last.ok && last.maxSeconds, last.ok && last.final, last.ok && last.why],
        [true, 150, true, 'cap'],
      );
      const b = await t.seedAccount({ balance: '10' });
      const other = await authorise(b.id);
      await t.store.setAccountStatus(b.name, 'blocked');
      const blocked = await extend(other.uniqueid, 60, 50);
      assert.deepEqual(blocked, {
        ok: true,
        maxSeconds: 60,
        maxCost: money('0.05'),
        final: true,
        why: 'blocked',
        extended: false,
      });
    });

    it('answers GONE for a settled call and changes nothing', async () => {
      const a = await t.seedAccount({ balance: '10' });
      const { uniqueid } = await authorise(a.id);
      await t.store.settle({
        uniqueid,
        disposition: 'ANSWERED',
        hangupCause: 16,
        answer: start,
        end: at(30),
        billsec: 30,
      });
      assert.deepEqual(await extend(uniqueid, 60, 30), { ok: false, reason: 'GONE' });
      assert.equal(await reserved(a.name), 0n);
    });

    it('never moves the checkpoint backwards when a checkpoint lands while an extension waits for the account lock', async () => {
      const a = await t.seedAccount({ balance: '10' });
      const { uniqueid, res } = await authorise(a.id);
      assert.ok(res.ok);
      await t.store.markAnswered(uniqueid, start);
      const checkpoint = async () => (await t.store.grantColumns(uniqueid))?.checkpointSecs;
      if (tdb.kind === 'mysql') {
        // Another transaction holds the account row: the extension takes its first (snapshot)
        // read, then waits for the lock; the periodic checkpointer writes 50 s meanwhile.
        const holder = await t.knex.transaction();
        try {
          await holder('astaccount').where({ id: a.id }).forUpdate().first();
          const extending = extend(uniqueid, 60, 40);
          // Its transaction shows in innodb_trx once its first read took the snapshot (the server
          // is shared: count only this test's database; the holder is the other one).
          const started = async () =>
            Number(
              (
                (await t.knex.raw(
                  'SELECT COUNT(*) AS n FROM information_schema.innodb_trx x JOIN information_schema.processlist p ON p.id = x.trx_mysql_thread_id WHERE p.db = DATABASE()',
                )) as [Array<{ n: number | string }>]
              )[0][0]!.n,
            );
          for (let i = 0; (await started()) < 2; i++) {
            assert.ok(i < 3000, 'the extension started and waits for the account lock');
            await new Promise((r) => setTimeout(r, 10));
          }
          await saveCheckpoints(t.knex, [{ uniqueid, seconds: 50 }], at(50));
          await holder.commit();
          assert.ok((await extending).ok);
        } finally {
          if (!holder.isCompleted()) await holder.rollback();
        }
      } else {
        // SQLite serialises writers (BEGIN IMMEDIATE): the checkpoint lands before the extension.
        await saveCheckpoints(t.knex, [{ uniqueid, seconds: 50 }], at(50));
        assert.ok((await extend(uniqueid, 60, 40)).ok);
      }
      assert.equal(await checkpoint(), 50, 'the later checkpoint (50 s) stays');
      assert.equal((await t.store.grantColumns(uniqueid))?.grants, 2);
    });

    it('lets concurrent calls on one account extend until the money is gone, never reserving more than the balance', async () => {
      const a = await t.seedAccount({ balance: '0.50' });
      const calls = await Promise.all(Array.from({ length: 4 }, () => authorise(a.id)));
      const granted = new Map(calls.map((c) => [c.uniqueid, 60]));
      const final = new Set<string>();
      for (let round = 1; round < 20; round++) {
        const open = [...granted].filter(([id]) => !final.has(id));
        if (open.length === 0) break;
        const results = await Promise.all(
          open.map(([id, from]) => extend(id, from, from - 10).then((r) => [id, r] as const)),
        );
        for (const [id, r] of results) {
          assert.ok(r.ok);
          granted.set(id, r.maxSeconds);
          if (r.final) final.add(id);
        }
        assert.ok((await reserved(a.name)) <= money('0.50'));
      }
      const total = [...granted.values()].reduce((s, x) => s + x, 0);
      assert.equal(total, 600, '0.50 at 0.05/min is exactly 10 minutes, shared');
      assert.equal(await reserved(a.name), money('0.50'));
      let charged = 0n;
      for (const [id, secs] of granted) {
        const s = await t.store.settle({
          uniqueid: id,
          disposition: 'ANSWERED',
          hangupCause: 16,
          answer: start,
          end: at(secs + 1),
          billsec: secs + 1,
        });
        charged += s.cost;
      }
      assert.equal(charged, money('0.50'));
      assert.equal(
        charged,
        [...granted.values()].reduce((s, x) => s + callCost(rate, x), 0n),
      );
      const after = (await t.store.accountByName(a.name))!;
      assert.deepEqual([after.balance, after.reserved], [0n, 0n]);
    });
  });
});

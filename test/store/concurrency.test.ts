import assert from 'node:assert/strict';
import { callCost, maxAffordableSeconds, type Rate } from '../../daemon/src/rating/index.js';
import type { AuthoriseResult } from '../../daemon/src/session/ports.js';
import { forEachDatabase, money, uniqueName, type TestStore } from '../support/db.js';

const CALLS = 200;

describe('concurrent calls on one account', function () {
  this.timeout(60_000);

  forEachDatabase((tdb) => {
    let t: TestStore;
    let rate: Rate;
    before(async () => {
      t = await tdb.open({ poolMax: 12 });
      // Each call reserves exactly 1.00 when the account caps calls at 60 s: 0.10 fee + 0.90/min.
      rate = await t.seedRate({
        tariff: 'conc',
        prefix: '1',
        rate: '0.90',
        connect: '0.10',
        initial: 60,
        increment: 60,
      });
    });

    async function storm(
      accountId: number,
      n: number,
    ): Promise<{ results: AuthoriseResult[]; ids: string[] }> {
      const ids = Array.from({ length: n }, () => uniqueName('storm'));
      const results = await Promise.all(
        ids.map((uniqueid) =>
          t.store.authorise({
            uniqueid,
            accountId,
            src: '1',
            dst: '15550000',
            rate,
            node: 'node1',
            defaultMaxSeconds: 3600,
            start: new Date(),
          }),
        ),
      );
      return { results, ids };
    }

    it(`grants exactly what the balance pays for when ${CALLS} calls authorise at once`, async () => {
      const a = await t.seedAccount({ tariff: 'conc', balance: '37.5', maxSeconds: 60 });
      const { results } = await storm(a.id, CALLS);
      const granted = results.filter((r) => r.ok);
      assert.equal(granted.length, 37);
      assert.equal(results.filter((r) => !r.ok && r.reason === 'NOCREDIT').length, CALLS - 37);
      const acct = await t.store.accountByName(a.name);
      assert.equal(acct?.reserved, money('37'));
      assert.ok(acct!.reserved <= acct!.balance);
      const sum = (await t
        .knex('astcreditres')
        .where({ account_id: a.id })
        .sum({ s: 'max_cost' })
        .first()) as { s: unknown };
      assert.equal(BigInt(String(sum.s)), acct?.reserved);
      const cdrs = (await t.knex('astcdr').where({ account_id: a.id }).count({ n: '*' })) as Array<{
        n: unknown;
      }>;
      assert.equal(Number(cdrs[0]?.n), CALLS);
    });

    it('never reserves more than is available when grants shrink as credit runs out', async () => {
      const a = await t.seedAccount({ tariff: 'conc', balance: '23.45678' });
      const { results } = await storm(a.id, CALLS);
      const total = results.reduce((s, r) => s + (r.ok ? r.maxCost : 0n), 0n);
      assert.ok(total <= money('23.45678'), `reserved ${total}`);
      // Granted one after another: each takes the most the rest pays for, then nothing is left for a block.
      const left = money('23.45678') - total;
      assert.equal(maxAffordableSeconds(rate, left, 3600), 0);
      assert.ok(left < callCost(rate, 60));
      assert.equal((await t.store.accountByName(a.name))?.reserved, total);
    });

    it('enforces the call limit under concurrency', async () => {
      const a = await t.seedAccount({
        tariff: 'conc',
        balance: '1000',
        maxCalls: 5,
        maxSeconds: 60,
      });
      const { results } = await storm(a.id, 50);
      assert.equal(results.filter((r) => r.ok).length, 5);
      assert.equal(results.filter((r) => !r.ok && r.reason === 'LIMIT').length, 45);
    });

    it('keeps balance = ledger and reserved = live reservations while calls start and end at once', async () => {
      const a = await t.seedAccount({ tariff: 'conc', balance: '20', maxSeconds: 60 });
      const { results, ids } = await storm(a.id, 30);
      const grantedIds = ids.filter((_, i) => results[i]?.ok);
      assert.equal(grantedIds.length, 20);
      const settles = grantedIds.map((uniqueid, i) =>
        t.store.settle({
          uniqueid,
          disposition: 'ANSWERED',
          hangupCause: 16,
          answer: new Date(),
          end: new Date(),
          billsec: 30 + i,
        }),
      );
      const more = storm(a.id, 20);
      const topups = Array.from({ length: 5 }, () => t.store.topup(a.name, money('1')));
      await Promise.all([...settles, more, ...topups]);
      const acct = await t.store.accountByName(a.name);
      assert.equal(await t.store.ledgerSum(a.id), acct?.balance);
      const live = (await t.store.reservations()).filter((r) => r.accountId === a.id);
      assert.equal(
        live.reduce((s, r) => s + r.maxCost, 0n),
        acct?.reserved,
      );
      assert.ok(acct!.reserved <= acct!.balance);
    });
  });
});

/** A callback whose legs' tariff is in another currency: both legs priced through the exchange. */
import assert from 'node:assert/strict';
import { parseFxRate, type Rate } from '../../daemon/src/rating/index.js';
import type { CallbackAuthoriseRequest } from '../../daemon/src/session/grant-ports.js';
import { forEachDatabase, money, uniqueName, type TestStore } from '../support/db.js';

describe('a callback on a tariff in another currency', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;
    let ra: Rate;
    let rb: Rate;
    const start = new Date('2030-05-01T10:00:00.000Z');
    const req = (accountId: number): CallbackAuthoriseRequest => {
      const id = uniqueName('cb');
      return {
        callbackId: id,
        accountId,
        node: 'node1',
        start,
        defaultMaxSeconds: 3600,
        a: { uniqueid: `${id}-a`, number: '4910', rate: ra },
        b: { uniqueid: `${id}-b`, number: '4920', rate: rb },
      };
    };

    before(async () => {
      t = await tdb.open();
      await t.seedRate({ tariff: 'cusd', prefix: '491', rate: '0.05', initial: 60, increment: 6 });
      await t.seedRate({ tariff: 'cusd', prefix: '492', rate: '0.10', initial: 60, increment: 6 });
      await t.store.setTariffCurrency('cusd', 'USD');
      await t.store.setFxRate({
        base: 'USD',
        quote: 'EUR',
        rate: parseFxRate('0.5'),
        effectiveFrom: new Date('2030-01-01T00:00:00Z'),
      });
      ra = (await t.store.rateFor('cusd', '4910', start))!;
      rb = (await t.store.rateFor('cusd', '4920', start))!;
      assert.deepEqual([ra.currency, rb.currency], ['USD', 'USD']);
    });

    it('authorises, times B and settles both legs in EUR, each leg converted once', async () => {
      const a = await t.seedAccount({ balance: '0.30', currency: 'EUR', tariff: 'cusd' });
      const r = req(a.id);
      // 0.15 USD a minute for both legs = 0.075 EUR: 0.30 EUR pays 240 s (120 s unconverted).
      assert.deepEqual(await t.store.authoriseCallback(r), {
        ok: true,
        maxSeconds: 240,
        costA: money('0.10'),
        costB: money('0.20'),
        available: money('0.30'),
      });
      // B answers 12 s after A: A talks 12 s more than B, within the same 0.30 EUR.
      const timed = await t.store.timeCallbackB({
        a: r.a.uniqueid,
        b: r.b.uniqueid,
        aAnswer: new Date(start.getTime() + 8_000),
        bAnswer: new Date(start.getTime() + 20_000),
        at: new Date(start.getTime() + 20_000),
        defaultMaxSeconds: 3600,
      });
      // T_B = 234: A 246 s = 0.205 USD → 0.1025 EUR, B 234 s = 0.39 USD → 0.195 EUR; 235 s
      // would bill A 252 s and B 240 s: 0.105 + 0.20 = 0.305 EUR.
      assert.deepEqual(timed, {
        ok: true,
        aSeconds: 246,
        bSeconds: 234,
        costA: money('0.1025'),
        costB: money('0.195'),
      });
      const answerA = new Date(start.getTime() + 8_000);
      const answerB = new Date(answerA.getTime() + 12_000);
      for (const [uniqueid, answer, billsec] of [
        [r.a.uniqueid, answerA, 100],
        [r.b.uniqueid, answerB, 88],
      ] as const)
        await t.store.settle({
          uniqueid,
          disposition: 'ANSWERED',
          hangupCause: 16,
          answer,
          end: new Date(answerA.getTime() + 100_000),
          billsec,
        });
      const [ca, cb] = [(await t.store.cdr(r.a.uniqueid))!, (await t.store.cdr(r.b.uniqueid))!];
      // A 100 s bills 102 s: 0.085 USD → 0.0425 EUR; B 88 s bills 90 s: 0.15 USD → 0.075 EUR.
      assert.deepEqual(
        [ca, cb].map((c) => [c.rate?.fx?.currency, c.tariffCost, c.cost]),
        [
          ['USD', money('0.085'), money('0.0425')],
          ['USD', money('0.15'), money('0.075')],
        ],
      );
      const after = (await t.store.accountDetails(a.name))!;
      assert.deepEqual([after.balance, after.reserved], [money('0.1825'), 0n]);
      assert.equal(await t.store.ledgerSum(a.id), after.balance);
    });

    it('refuses NOFX when the pair has no rate in force, reserving nothing', async () => {
      const a = await t.seedAccount({ balance: '5', currency: 'GBP', tariff: 'cusd' });
      const r = req(a.id);
      const res = await t.store.authoriseCallback(r);
      assert.deepEqual(res, { ok: false, reason: 'NOFX', available: money('5') });
      assert.equal((await t.store.accountByName(a.name))?.reserved, 0n);
      assert.deepEqual(await t.store.reservations(), []);
      const refusal = (await t.store.cdr(r.callbackId))!;
      assert.deepEqual([refusal.reason, refusal.cost], ['NOFX', 0n]);
    });
  });
});

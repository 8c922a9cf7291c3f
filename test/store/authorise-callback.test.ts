/** Both legs of a callback call authorised in one transaction: one common limit, two linked CDRs. */
import assert from 'node:assert/strict';
import type { Rate } from '../../daemon/src/rating/index.js';
import type { CallbackAuthoriseRequest } from '../../daemon/src/session/grant-ports.js';
import { forEachDatabase, money, uniqueName, type TestStore } from '../support/db.js';

describe('authorising a callback call', () => {
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
      ra = await t.seedRate({
        tariff: 'default',
        prefix: '491',
        rate: '0.05',
        initial: 60,
        increment: 6,
      });
      rb = await t.seedRate({
        tariff: 'default',
        prefix: '492',
        rate: '0.10',
        initial: 60,
        increment: 6,
      });
    });

    it('reserves both legs for one common duration whose two costs fit the credit, with linked open CDRs', async () => {
      const a = await t.seedAccount({ balance: '0.30' });
      const r = req(a.id);
      const res = await t.store.authoriseCallback(r);
      assert.deepEqual(res, {
        ok: true,
        maxSeconds: 120,
        costA: money('0.10'),
        costB: money('0.20'),
        available: money('0.30'),
      });
      assert.equal((await t.store.accountByName(a.name))?.reserved, money('0.30'));
      assert.deepEqual(await t.store.callbackCdrIds(r.callbackId), [r.a.uniqueid, r.b.uniqueid]);
      const [ca, cb] = [(await t.store.cdr(r.a.uniqueid))!, (await t.store.cdr(r.b.uniqueid))!];
      assert.deepEqual([ca.status, ca.dst, ca.src, ca.maxSeconds], ['open', '4910', '4920', 120]);
      assert.deepEqual(
        [cb.status, cb.dst, cb.src, cb.maxCost],
        ['open', '4920', '4910', money('0.20')],
      );
      const again = await t.store.authoriseCallback(r);
      assert.deepEqual(
        again.ok && [again.maxSeconds, again.costA, again.costB],
        [120, money('0.10'), money('0.20')],
        'the same callback again: nothing more reserved',
      );
      assert.equal((await t.store.accountByName(a.name))?.reserved, money('0.30'));
    });

    it('refuses with NOCREDIT when not even both first blocks fit, and with LIMIT when two more calls exceed max_calls', async () => {
      const poor = await t.seedAccount({ balance: '0.14' });
      const r = req(poor.id);
      assert.deepEqual(await t.store.authoriseCallback(r), {
        ok: false,
        reason: 'NOCREDIT',
        available: money('0.14'),
      });
      const refused = (await t.store.cdr(r.callbackId))!;
      assert.deepEqual([refused.reason, refused.cost, refused.status], ['NOCREDIT', 0n, 'settled']);
      const one = await t.seedAccount({ balance: '10', maxCalls: 1 });
      assert.equal((await t.store.authoriseCallback(req(one.id))).ok, false);
      assert.equal((await t.store.accountByName(one.name))?.reserved, 0n);
    });
  });
});

/**
 * Concurrent calls on one account never reserve, nor charge, more than it has: a later call gets
 * only what the earlier ones left, or is refused.
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import { driveUntil, quiet, settledCdr, startE2e, talking, waitFor, type E2e } from './harness.js';

describe('calls sharing one balance', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, { rules: [{ prefix: '', action: 'answer' }] });
      await e.t.seedRate({ prefix: '39', rate: '0.05', connect: '0', initial: 60, increment: 6 });
    });
    after(async () => e?.close());

    it('gives each later call only what the earlier ones left (credit for 10 minutes, 4 per call at most), then refuses', async () => {
      const acct = await e.t.seedAccount({ balance: '0.50', maxSeconds: 240 });
      const place = async (exten: string) => {
        const c = e.sim.placeCall({ exten, accountcode: acct.name });
        await waitFor(`call ${exten} to talk`, () => talking(e, c.channelId));
        return c;
      };
      const one = await place('39061');
      const two = await place('39062');
      const three = await place('39063');
      const now = e.sim.manualClock.now();
      const four = e.sim.placeCall({ exten: '39064', accountcode: acct.name });
      const refused = await settledCdr(e, four.channelId);
      assert.equal(refused.reason, 'NOCREDIT');
      await driveUntil(e, 'the refused call to be announced and hung up', () =>
        e.sim.ended(four.channelId),
      );

      assert.equal(
        e.sim.channel(one.channelId)?.absoluteDeadline,
        now + 240_000,
        'call 1: the account cap',
      );
      assert.equal(
        e.sim.channel(two.channelId)?.absoluteDeadline,
        now + 240_000,
        'call 2: the account cap still fits',
      );
      assert.equal(
        e.sim.channel(three.channelId)?.absoluteDeadline,
        now + 120_000,
        'call 3: the 2 minutes left',
      );
      e.sim.manualClock.advanceTo(now + 240_000);
      const cdrs = [
        await settledCdr(e, one.channelId),
        await settledCdr(e, two.channelId),
        await settledCdr(e, three.channelId),
      ];
      assert.deepEqual(
        cdrs.map((c) => c.billsec),
        [240, 240, 120],
      );
      assert.equal(
        cdrs.reduce((s, c) => s + c.cost, 0n),
        parseMoney('0.50'),
      );
      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.equal(after.balance, 0n, 'charged the whole balance and not a unit more');
      await quiet(e);
    });

    it('lets a second call have the 6 minutes the first one left', async () => {
      const acct = await e.t.seedAccount({ balance: '0.50', maxSeconds: 240 });
      const one = e.sim.placeCall({ exten: '39065', accountcode: acct.name });
      await waitFor('call 1 to talk', () => talking(e, one.channelId));
      // Lift the per-call cap for the second call only by raising it on the account.
      await e.t.knex('astaccount').where({ id: acct.id }).update({ max_seconds: 3600 });
      const two = e.sim.placeCall({ exten: '39066', accountcode: acct.name });
      await waitFor('call 2 to talk', () => talking(e, two.channelId));
      const now = e.sim.manualClock.now();
      assert.equal(
        e.sim.channel(two.channelId)?.absoluteDeadline,
        now + 360_000,
        '0.50 − 0.20 reserved = 0.30 = 6 minutes',
      );
      e.advance(360_000);
      const [c1, c2] = [await settledCdr(e, one.channelId), await settledCdr(e, two.channelId)];
      assert.equal(c1.billsec + c2.billsec, 600);
      assert.equal(c1.cost + c2.cost, parseMoney('0.50'));
      assert.equal((await e.t.store.accountDetails(acct.name))!.balance, 0n);
      await quiet(e);
    });

    it('lets exactly as many of 50 simultaneous calls through as the credit pays for, and charges no more than the balance', async () => {
      const acct = await e.t.seedAccount({ balance: '0.50', maxSeconds: 60 });
      const start = e.sim.manualClock.now();
      const calls = Array.from({ length: 50 }, (_, i) =>
        e.sim.placeCall({ exten: `390${String(i).padStart(4, '0')}`, accountcode: acct.name }),
      );
      const cdrs = await Promise.all(
        calls.map(async (c) => {
          // Refused calls settle at once; granted ones wait for the limit.
          return waitFor(
            `call ${c.channelId} decided`,
            async () => {
              const cdr = await e.t.store.cdr(c.channelId);
              return cdr && (cdr.status === 'settled' || talking(e, c.channelId)) ? cdr : undefined;
            },
            30_000,
          );
        }),
      );
      const granted = cdrs.filter((c) => c.status === 'open');
      const refused = cdrs.filter((c) => c.status === 'settled');
      assert.equal(granted.length, 10, 'ten 60 s grants fit in 0.50 at 0.05/min');
      assert.ok(refused.every((c) => c.reason === 'NOCREDIT'));
      const [{ n }] = (await e.t.knex('astcreditres').count({ n: '*' })) as [
        { n: number | string },
      ];
      assert.equal(Number(n), 10, 'ten live calls');
      const refusedIds = calls
        .filter((c) => refused.some((r) => r.uniqueid === c.channelId))
        .map((c) => c.channelId);
      await driveUntil(
        e,
        'the refused calls to be announced and hung up',
        () => refusedIds.every((id) => e.sim.ended(id)),
        { stepMs: 100 },
      );
      e.sim.manualClock.advanceTo(start + 60_000);
      const settled = await Promise.all(calls.map((c) => settledCdr(e, c.channelId, 30_000)));
      const charged = settled.reduce((sum, c) => sum + c.cost, 0n);
      assert.equal(charged, parseMoney('0.50'));
      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.equal(after.balance, 0n);
      assert.equal(await e.t.store.ledgerSum(acct.id), 0n);
      await quiet(e);
      assert.equal(e.sim.liveChannels().length, 0, 'every leg hung up');
    });
  });
});

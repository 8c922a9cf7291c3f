/**
 * A callback call passes the same fraud guards as an ordinary call: destination rules on BOTH
 * legs' numbers (BLOCKEDDEST) and the spend caps (CAP_DAY, CAP_RATE refused; CAP_CALL shrinks
 * the common limit), through the real daemon's callback service and the simulator. A refusal
 * dials nothing, charges nothing, leaves a FAILED CDR and (for a cap) a 'cap_hit' event.
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { CallbackRefused } from '../../daemon/src/session/callback-service.js';
import { forEachDatabase } from '../support/db.js';
import { bLegsOf, driveUntil, quiet, settledCdr, startE2e, type E2e } from './harness.js';

describe('callback calls and the fraud guards', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        daemonOnSimClock: true,
        rules: [
          { prefix: '4910', action: 'answer' },
          { prefix: '4920', action: 'answer', answerAfterMs: 1_000, hangupAfterMs: 30_000 },
        ],
      });
      await e.t.seedRate({ tariff: 'cbg', prefix: '491', rate: '0.05', initial: 60, increment: 6 });
      await e.t.seedRate({ tariff: 'cbg', prefix: '492', rate: '0.10', initial: 60, increment: 6 });
      await e.t.seedRate({ tariff: 'cbg', prefix: '881', rate: '2.00', initial: 60, increment: 6 });
      await e.t.store.setDestRules('tariff', 'cbg', ['8816'], 'deny');
    });
    after(async () => e?.close());

    const reasonOf = (account: string, a: string, b: string) =>
      e.daemon.callbacks.start({ account, a, b }).then(
        () => 'started',
        (err: unknown) => (err instanceof CallbackRefused ? err.reason : String(err)),
      );

    async function refusedCleanly(account: string, a: string, b: string, reason: string) {
      const dialled = bLegsOf(e).length;
      const before = (await e.t.store.accountDetails(account))!;
      assert.equal(await reasonOf(account, a, b), reason);
      assert.equal(bLegsOf(e).length, dialled, 'nothing was dialled');
      const after = (await e.t.store.accountDetails(account))!;
      assert.deepEqual([after.balance, after.reserved], [before.balance, before.reserved]);
      const cdrs = await e.t.store.cdrs({ account });
      const last = cdrs.find((c) => c.reason === reason);
      assert.ok(last, `a ${reason} CDR`);
      assert.deepEqual([last.disposition, last.cost], ['FAILED', 0n]);
    }

    it('refuses BLOCKEDDEST when either leg dials a denied prefix', async () => {
      const acct = await e.t.seedAccount({ tariff: 'cbg', balance: '10' });
      await refusedCleanly(acct.name, '881612345', '4920222', 'BLOCKEDDEST');
      await refusedCleanly(acct.name, '4910111', '881699999', 'BLOCKEDDEST');
      // An account's own allow list also binds the callback's legs.
      await e.t.store.setDestRules('account', acct.name, ['491'], 'allow');
      await refusedCleanly(acct.name, '4910111', '4920222', 'BLOCKEDDEST');
      assert.equal((await e.t.store.listEvents({ account: acct.name })).length, 0);
    });

    it('refuses CAP_DAY when the day cap leaves less than both first blocks, with a cap_hit event', async () => {
      // Both first minutes cost 0.15; the credit pays for them, the day cap (0.10) does not.
      const acct = await e.t.seedAccount({ tariff: 'cbg', balance: '10' });
      await e.t.store.setCaps(acct.name, { dayMax: parseMoney('0.10') });
      await refusedCleanly(acct.name, '4910111', '4920222', 'CAP_DAY');
      const events = await e.t.store.listEvents({ account: acct.name });
      assert.deepEqual(
        events.map((ev) => [ev.kind, ev.payload.cap]),
        [['cap_hit', 'CAP_DAY']],
      );
    });

    it('refuses CAP_RATE once the account placed its calls per minute', async () => {
      const acct = await e.t.seedAccount({ tariff: 'cbg', balance: '10' });
      await e.t.store.setCaps(acct.name, { callsPerMin: 1 });
      const first = await e.daemon.callbacks.start({
        account: acct.name,
        a: '4910111',
        b: '4920222',
      });
      await driveUntil(e, 'the first callback talks', () =>
        e.sim.bridges().some((b) => b.channels.includes(first.legs.b)),
      );
      await refusedCleanly(acct.name, '4910111', '4920333', 'CAP_RATE');
      await driveUntil(
        e,
        'the first callback ends',
        async () => {
          const c = await e.t.store.cdr(first.legs.b);
          return c?.status === 'settled';
        },
        { stepMs: 1000, maxSimMs: 60_000 },
      );
      await first.finished;
      await quiet(e);
    });

    it('grants both legs only the time the per-call cap pays for, and bills what was talked', async () => {
      const acct = await e.t.seedAccount({ tariff: 'cbg', balance: '10' });
      // 0.15 a minute for both legs: a 0.30 per-call cap leaves 120 s (without it: an hour).
      await e.t.store.setCaps(acct.name, { callMax: parseMoney('0.30') });
      const cb = await e.daemon.callbacks.start({ account: acct.name, a: '4910111', b: '4920222' });
      assert.equal(cb.maxSeconds, 120);
      await driveUntil(e, 'B hangs up', () => e.sim.ended(cb.legs.b), {
        stepMs: 1000,
        maxSimMs: 60_000,
      });
      await cb.finished;
      const [a, b] = [await settledCdr(e, cb.legs.a), await settledCdr(e, cb.legs.b)];
      assert.ok(a.cost + b.cost <= parseMoney('0.30'), 'within the per-call cap');
      await quiet(e);
      const after = (await e.t.store.accountDetails(acct.name))!;
      assert.equal(after.balance, parseMoney('10') - a.cost - b.cost);
      assert.equal(await e.t.store.ledgerSum(acct.id), after.balance);
    });
  });
});

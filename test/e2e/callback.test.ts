/**
 * Callback calls end to end: leg A dialled first, leg B once A answers, both bridged with one
 * common limit, two CDRs linked by a callback id, both legs charged.
 */
import assert from 'node:assert/strict';
import {
  bLegSecondsAfterRing,
  callCost,
  parseMoney,
  type Rate,
} from '../../daemon/src/rating/index.js';
import { CallbackRefused } from '../../daemon/src/session/callback-service.js';
import { forEachDatabase } from '../support/db.js';
import { driveUntil, quiet, settledCdr, startE2e, waitFor, type E2e } from './harness.js';

describe('callback calls (two legs, both charged)', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    let rateA: Rate;
    let rateB: Rate;
    let rateB1: Rate;
    before(async () => {
      e = await startE2e(tdb, {
        daemonOnSimClock: true,
        env: { ASTBILL_RING_TIMEOUT: '30' },
        rules: [
          { prefix: '4910', action: 'answer' },
          { prefix: '4920', action: 'answer', answerAfterMs: 5_000, hangupAfterMs: 100_000 },
          { prefix: '4921', action: 'answer', answerAfterMs: 5_000 },
          { prefix: '4950', action: 'answer', answerAfterMs: 5_000 },
          { prefix: '4930', action: 'noanswer' },
          { prefix: '4940', action: 'busy', ringMs: 8_000 },
        ],
      });
      // A leg 0.05/min, B leg 0.10/min, both 60/6.
      rateA = await e.t.seedRate({ prefix: '491', rate: '0.05', initial: 60, increment: 6 });
      rateB = await e.t.seedRate({ prefix: '492', rate: '0.10', initial: 60, increment: 6 });
      await e.t.seedRate({ prefix: '493', rate: '0.05', initial: 60, increment: 6 });
      await e.t.seedRate({ prefix: '494', rate: '0.10', initial: 60, increment: 6 });
      rateB1 = await e.t.seedRate({ prefix: '495', rate: '0.10', initial: 1, increment: 1 });
    });
    after(async () => e?.close());

    const start = (account: string, a: string, b: string, pin?: string) =>
      e.daemon.callbacks.start({ account, a, b, ...(pin ? { pin } : {}) });

    /**
     * Waits, with the simulated clock standing still, until A (answering at once) has answered
     * and the daemon has dialled B; returns A's answer. So B's ring and A's talk are measured
     * from the instant A answered by the facts, not by how fast the daemon reacts: were B dialled
     * on a timer, no simulated time passes here and the wait fails.
     */
    async function bDialledOnAnswer(cb: { legs: { a: string; b: string } }): Promise<number> {
      const t0 = await waitFor('A answered', () => e.sim.channel(cb.legs.a)?.answeredAt);
      await waitFor('B dialled', () => e.sim.channel(cb.legs.b) ?? e.sim.ended(cb.legs.b));
      return t0;
    }

    it('calls A, then B, bridges them and bills both legs from their own answers (B hangs up after 100 s)', async () => {
      const acct = await e.t.seedAccount({ balance: '10', pin: '48151623' });
      const cb = await start(acct.name, '4910111', '4920222', '48151623');
      assert.equal(cb.maxSeconds, 3600);
      const t0 = await bDialledOnAnswer(cb);
      await driveUntil(
        e,
        'A and B bridged',
        () =>
          e.sim
            .bridges()
            .some((b) => b.channels.includes(cb.legs.a) && b.channels.includes(cb.legs.b)),
        { stepMs: 500 },
      );
      // TIMEOUT(absolute) is the whole seconds left (the daemon is prompt on the sim clock: all T).
      assert.equal(
        e.sim.channel(cb.legs.a)?.absoluteDeadline,
        t0 + 3_600_000,
        'A ends at its answer + T',
      );
      assert.equal(
        e.sim.channel(cb.legs.b)?.absoluteDeadline,
        e.sim.channel(cb.legs.a)?.absoluteDeadline,
        'B ends with A',
      );
      await driveUntil(e, 'B hangs up', () => e.sim.ended(cb.legs.b), {
        stepMs: 1000,
        maxSimMs: 200_000,
      });
      const bLeg = e.sim.ended(cb.legs.b)!;
      // B was dialled before the clock moved (bDialledOnAnswer): 5 s of ringing, 100 s of talk.
      assert.equal(bLeg.createdAt, t0, 'B dialled when A answered');
      assert.equal(bLeg.answeredAt! - bLeg.createdAt, 5_000, 'B rang 5 s');
      const aTalk = Math.floor((bLeg.endedAt - t0) / 1000);
      assert.equal(aTalk, 105, 'A talked 5 s of ringing + 100 s');
      const [a, b] = [await settledCdr(e, cb.legs.a), await settledCdr(e, cb.legs.b)];
      assert.deepEqual(
        [a.disposition, a.billsec, a.cost],
        ['ANSWERED', aTalk, parseMoney('0.09')],
        'A: 105 s at 0.05/min (60/6 → 108 s)',
      );
      assert.deepEqual(
        [b.disposition, b.billsec, b.cost],
        ['ANSWERED', 100, parseMoney('0.17')],
        'B: 100 s at 0.10/min (→ 102 s)',
      );
      assert.deepEqual(
        await e.t.store.callbackCdrIds(cb.callbackId),
        [cb.legs.a, cb.legs.b],
        'two CDRs linked by the callback id',
      );
      assert.equal((await e.t.store.accountByName(acct.name))?.balance, parseMoney('9.74'));
      assert.equal(e.sim.ended(cb.legs.a)?.hungUpBy, 'app', 'A hung up by astbill when B left');
      await quiet(e);
    });

    it('charges nothing when A does not answer, and never dials B', async () => {
      const acct = await e.t.seedAccount({ balance: '10' });
      const cb = await start(acct.name, '4930333', '4920222');
      await driveUntil(
        e,
        'A gives up ringing',
        async () => (await e.t.store.cdr(cb.legs.a))?.status === 'settled',
        { stepMs: 1000, maxSimMs: 60_000 },
      );
      const [a, b] = [await settledCdr(e, cb.legs.a), await settledCdr(e, cb.legs.b)];
      assert.deepEqual([a.disposition, a.cost], ['NO ANSWER', 0n]);
      assert.deepEqual([b.disposition, b.cost], ['CANCEL', 0n]);
      assert.match(b.note ?? '', /not dialled/);
      assert.equal(
        e.sim
          .endedChannels()
          .filter((c) => c.number === '4920222' && c.createdAt > a.start.getTime()).length,
        0,
        'B never dialled',
      );
      const after = (await e.t.store.accountByName(acct.name))!;
      assert.deepEqual([after.balance, after.reserved], [parseMoney('10'), 0n]);
      await quiet(e);
    });

    it("charges A's connected time when B is busy, and nothing for B", async () => {
      const acct = await e.t.seedAccount({ balance: '10' });
      const cb = await start(acct.name, '4910444', '4940555');
      const t0 = await bDialledOnAnswer(cb);
      await driveUntil(
        e,
        'B busy',
        async () => (await e.t.store.cdr(cb.legs.b))?.status === 'settled',
        { stepMs: 1000, maxSimMs: 60_000 },
      );
      const [a, b] = [await settledCdr(e, cb.legs.a), await settledCdr(e, cb.legs.b)];
      assert.deepEqual(
        [a.disposition, a.cost],
        ['ANSWERED', parseMoney('0.05')],
        'A: its connected time, first block 60 s at 0.05/min',
      );
      assert.equal(
        a.billsec,
        Math.floor((b.end!.getTime() - a.answer!.getTime()) / 1000),
        'A billed from its answer to B’s busy signal',
      );
      assert.equal(e.sim.ended(cb.legs.b)?.createdAt, t0, 'B dialled when A answered');
      assert.equal(a.billsec, 8, 'A billed for the 8 s B rang before the busy signal');
      assert.deepEqual([b.disposition, b.billsec, b.cost], ['BUSY', 0, 0n]);
      assert.equal((await e.t.store.accountByName(acct.name))?.balance, parseMoney('9.95'));
      await quiet(e);
    });

    /** Both legs cut by the limit: B's time was computed from A's when B answered (B rang 5 s). */
    async function limitBoth(balance: string, bNumber: string, rb: Rate) {
      const acct = await e.t.seedAccount({ balance });
      const cb = await start(acct.name, '4910666', bNumber);
      assert.equal(cb.maxSeconds, 120, 'authorised: 120 s of both legs');
      const t0 = await bDialledOnAnswer(cb);
      await driveUntil(
        e,
        'the limit ends both',
        () => e.sim.ended(cb.legs.a) && e.sim.ended(cb.legs.b),
        { stepMs: 1000, maxSimMs: 200_000 },
      );
      const [a, b] = [await settledCdr(e, cb.legs.a), await settledCdr(e, cb.legs.b)];
      const [aAns, bAns] = [
        e.sim.ended(cb.legs.a)!.answeredAt!,
        e.sim.ended(cb.legs.b)!.answeredAt!,
      ];
      const ring = Math.floor((bAns - aAns) / 1000);
      // B was dialled before the clock moved (bDialledOnAnswer) and rings 5 s (its far-end rule).
      assert.deepEqual(
        [aAns, e.sim.ended(cb.legs.b)!.createdAt],
        [t0, t0],
        'B dialled on A answer',
      );
      assert.equal(ring, 5, 'B answered 5 s after A');
      const tb = bLegSecondsAfterRing(rateA, rb, parseMoney(balance), ring, 3600);
      assert.equal(e.sim.ended(cb.legs.b)?.endedAt, bAns + tb * 1000, 'B: its answer + T_B');
      assert.equal(
        e.sim.ended(cb.legs.a)?.endedAt,
        e.sim.ended(cb.legs.b)?.endedAt,
        'both legs end together',
      );
      assert.equal(b.billsec, tb, 'B billed its T_B');
      assert.equal(a.billsec - b.billsec, ring, 'A: B + ring');
      assert.equal(a.cost, callCost(rateA, a.billsec));
      assert.equal(b.cost, callCost(rb, b.billsec));
      assert.ok(
        a.cost + b.cost <= parseMoney(balance),
        `charged ${a.cost + b.cost}: within the credit`,
      );
      assert.equal(
        (await e.t.store.accountByName(acct.name))?.balance,
        parseMoney(balance) - a.cost - b.cost,
      );
      await quiet(e);
      return { a, b, ring, tb };
    }

    it('fits both legs in the credit: one common limit ends both legs together', async () => {
      // 0.30 pays 120 s of A (0.05/min) + B (0.10/min), both 60/6: the ring time buys nothing more.
      const { a, b } = await limitBoth('0.30', '4921777', rateB);
      assert.ok(a.cost + b.cost >= parseMoney('0.29'), `charged ${a.cost + b.cost}`);
    });

    it("times leg B from leg A's time when B answers: B's ring time is not lost", async () => {
      // B per second: before, both legs ended at A's answer + 120 s (B ≤ 115 s, 0.29167 of 0.30
      // used); timed from A, B gets 117 s (A 122 s: 126 s billed) and the credit is used up.
      const { a, b, tb, ring } = await limitBoth('0.30', '4950777', rateB1);
      assert.equal(tb, 117, 'T_B for 5 s of ring');
      assert.ok(
        b.billsec > 120 - ring,
        `B billsec ${b.billsec}: more than the ${120 - ring} s left of A's T`,
      );
      assert.deepEqual([a.billsec, b.billsec], [122, 117], 'A: past its first T');
      const left = parseMoney('0.30') - a.cost - b.cost;
      assert.ok(left < callCost(rateB1, 1), `left ${left}: not one more second of B`);
    });

    it('refuses a wrong PIN, no credit and unknown destinations with a reason, dialling nothing', async () => {
      const acct = await e.t.seedAccount({ balance: '0.10', pin: '11112222' });
      const reasonOf = async (p: Promise<unknown>) =>
        p.then(
          () => 'started',
          (err: unknown) => (err instanceof CallbackRefused ? err.reason : String(err)),
        );
      assert.equal(await reasonOf(start(acct.name, '4910111', '4920222', '99998888')), 'BADPIN');
      assert.equal(await reasonOf(start(acct.name, '4910111', '4920222')), 'BADPIN');
      assert.equal(await reasonOf(start(acct.name, '4910111', '4920222', '11112222')), 'NOCREDIT');
      assert.equal(await reasonOf(start(acct.name, '4910111', '5550000', '11112222')), 'NOROUTE');
      assert.equal(await reasonOf(start('nobody-here', '4910111', '4920222')), 'NOACCOUNT');
      const cdrs = await e.t.store.cdrs({ account: acct.name });
      assert.deepEqual(cdrs.map((c) => c.reason).sort(), [
        'BADPIN',
        'BADPIN',
        'NOCREDIT',
        'NOROUTE',
      ]);
      assert.ok(cdrs.every((c) => c.cost === 0n));
      await quiet(e);
    });
  });
});

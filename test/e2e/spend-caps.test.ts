/**
 * Spend caps through the real daemon and the simulator: the authorise transaction grants a call
 * no more than its caps leave (single mode: the call is cut by TIMEOUT(absolute) at the cap;
 * grant mode: the last grant stops at it), and refuses the next call with the cap's reason, an
 * announcement and a FAILED CDR. Balance = ledger sum and nothing stays reserved after each.
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import type { AccountDetails } from '../../daemon/src/store/index.js';
import { forEachDatabase } from '../support/db.js';
import { GRANT_ENV, near, ride } from './grant-ride.js';
import {
  bLegsOf,
  driveUntil,
  quiet,
  settledCdr,
  SIM_START,
  startE2e,
  talking,
  timesPlayed,
  waitFor,
  type E2e,
} from './harness.js';

async function moneyKept(e: E2e, a: AccountDetails, balance: string | bigint): Promise<void> {
  const after = (await e.t.store.accountDetails(a.name))!;
  assert.equal(
    after.balance,
    typeof balance === 'bigint' ? balance : parseMoney(balance),
    'balance',
  );
  assert.equal(await e.t.store.ledgerSum(a.id), after.balance, 'balance = ledger sum');
  assert.equal(after.reserved, 0n, 'nothing reserved');
}

async function refusedWith(e: E2e, exten: string, a: AccountDetails, reason: string) {
  const legs = bLegsOf(e).length;
  const call = e.sim.placeCall({ exten, accountcode: a.name });
  const A = call.channelId;
  await driveUntil(e, 'the hangup', () => e.sim.ended(A) !== undefined);
  const cdr = await settledCdr(e, A);
  assert.deepEqual([cdr.disposition, cdr.reason, cdr.cost], ['FAILED', reason, 0n]);
  assert.equal(bLegsOf(e).length, legs, 'nothing was dialled');
  return A;
}

describe('spend caps', function () {
  this.timeout(120_000);
  forEachDatabase((tdb) => {
    describe('single mode', () => {
      let e: E2e;
      before(async () => {
        e = await startE2e(tdb, { rules: [{ prefix: '', action: 'answer' }] });
        await e.t.seedRate({ prefix: '44', rate: '0.05', connect: '0', initial: 60, increment: 6 });
      });
      after(async () => e?.close());

      it('grants the second call only what the day cap leaves, cuts it there, and refuses the third with CAP_DAY', async () => {
        const a = await e.t.seedAccount({ balance: '5' });
        await e.t.store.setCaps(a.name, { dayMax: parseMoney('0.50') });

        const first = e.sim.placeCall({ exten: '4411', accountcode: a.name });
        await waitFor('the first call talking', () => talking(e, first.channelId));
        const t1 = e.sim.manualClock.now();
        assert.equal(
          e.sim.channel(first.channelId)?.absoluteDeadline,
          t1 + 600_000,
          '0.50 = 600 s',
        );
        e.advance(120_000);
        e.sim.hangupCaller(first.channelId);
        assert.equal((await settledCdr(e, first.channelId)).cost, parseMoney('0.10'));

        const second = e.sim.placeCall({ exten: '4412', accountcode: a.name });
        await waitFor('the second call talking', () => talking(e, second.channelId));
        const t2 = e.sim.manualClock.now();
        assert.equal(
          e.sim.channel(second.channelId)?.absoluteDeadline,
          t2 + 480_000,
          'the 0.40 left under the cap = 480 s, though the balance pays for 4.90',
        );
        e.advance(480_000);
        const cdr2 = await settledCdr(e, second.channelId);
        assert.equal(e.sim.ended(second.channelId)?.hungUpBy, 'timeout');
        assert.deepEqual([cdr2.billsec, cdr2.cost], [480, parseMoney('0.40')]);

        const third = await refusedWith(e, '4413', a, 'CAP_DAY');
        assert.equal(timesPlayed(e, 'sound:vm-nomore', third), 1, 'announced');
        assert.equal(timesPlayed(e, 'sound:im-sorry', third), 1, 'announced');
        await quiet(e);
        await moneyKept(e, a, '4.50');
      });

      it('cuts a call at the per-call cap and leaves the next one its full cap (CAP_CALL only when a cap pays for nothing)', async () => {
        const a = await e.t.seedAccount({ balance: '5' });
        await e.t.store.setCaps(a.name, { callMax: parseMoney('0.10') });
        const call = e.sim.placeCall({ exten: '4421', accountcode: a.name });
        await waitFor('talking', () => talking(e, call.channelId));
        const t0 = e.sim.manualClock.now();
        assert.equal(e.sim.channel(call.channelId)?.absoluteDeadline, t0 + 120_000);
        e.advance(120_000);
        assert.equal((await settledCdr(e, call.channelId)).cost, parseMoney('0.10'));
        await e.t.store.setCaps(a.name, { callMax: parseMoney('0.04') }); // less than 60 s costs
        await refusedWith(e, '4422', a, 'CAP_CALL');
        await quiet(e);
        await moneyKept(e, a, '4.90');
      });

      it('refuses a call over the calls-per-minute cap with CAP_RATE while the first goes on', async () => {
        const a = await e.t.seedAccount({ balance: '5' });
        await e.t.store.setCaps(a.name, { callsPerMin: 1 });
        const first = e.sim.placeCall({ exten: '4431', accountcode: a.name });
        await waitFor('the first call talking', () => talking(e, first.channelId));
        const second = await refusedWith(e, '4432', a, 'CAP_RATE');
        assert.equal(timesPlayed(e, 'sound:simul-call-limit-reached', second), 1, 'announced');
        assert.ok(e.sim.channel(first.channelId), 'the first call goes on');
        e.sim.hangupCaller(first.channelId);
        const cost = (await settledCdr(e, first.channelId)).cost;
        assert.ok(cost > 0n, 'the first call is billed');
        await quiet(e);
        await moneyKept(e, a, parseMoney('5') - cost);
      });
    });

    describe('grant mode', () => {
      let e: E2e;
      before(async () => {
        // Another sim start: channel ids must not repeat the single-mode rig's on this database.
        e = await startE2e(tdb, {
          env: GRANT_ENV,
          daemonOnSimClock: true,
          startTime: SIM_START + 86_400_000,
        });
        await e.t.seedRate({ prefix: '39', rate: '0.05', connect: '0', initial: 60, increment: 6 });
      });
      after(async () => e?.close());

      it('ends a grant-mode call exactly at the day cap (0.09 of a 10.00 balance: 108 s), then refuses CAP_DAY', async () => {
        const a = await e.t.seedAccount({ balance: '10' });
        await e.t.store.setCaps(a.name, { dayMax: parseMoney('0.09') });
        const call = e.sim.placeCall({ exten: '39071', accountcode: a.name });
        await waitFor('talking', () => talking(e, call.channelId));
        const answered = e.sim.manualClock.now();
        const seen = await ride(e, [call.channelId]);
        assert.equal(seen.get(call.channelId)?.length, 2, 'a first grant and a final one');
        near(seen.get(call.channelId)![1], answered + 108_000, 'the final grant');
        near(e.sim.ended(call.channelId)?.endedAt, answered + 108_000, 'cut at the cap');
        const cdr = await settledCdr(e, call.channelId);
        assert.equal(cdr.cost, parseMoney('0.09'));
        await refusedWith(e, '39072', a, 'CAP_DAY');
        await quiet(e);
        await moneyKept(e, a, '9.91');
      });
    });
  });
});

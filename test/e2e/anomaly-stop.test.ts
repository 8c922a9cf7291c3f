/**
 * The anomaly stop through real daemons and the simulator: an account that spends too fast
 * (burst), probes denied destinations (probing) or opens too many calls at once (spike) is blocked
 * in the transaction that saw it, with an audit row and one 'account.auto_blocked' event; every
 * live call of the account is then ended by the block sweep through the one kill path, on the
 * daemon that blocked it AND on another daemon sharing the database, and is billed for the time
 * it really talked. Books stay exact: balance = start − Σ cost = ledger, nothing reserved.
 */
import assert from 'node:assert/strict';
import { callCost, parseMoney, type Rate } from '../../daemon/src/rating/index.js';
import type { AccountDetails } from '../../daemon/src/store/index.js';
import { forEachDatabase } from '../support/db.js';
import {
  driveUntil,
  quiet,
  settledCdr,
  SIM_START,
  startE2e,
  talking,
  type E2e,
} from './harness.js';

const POLL = '2';

describe('anomaly stop (automatic block of a hijacked-looking account)', function () {
  this.timeout(90_000);
  forEachDatabase((tdb) => {
    let one: E2e;
    let two: E2e;
    let rate: Rate;
    before(async () => {
      const env = { ASTBILL_BLOCK_POLL_SECONDS: POLL };
      one = await startE2e(tdb, { daemonOnSimClock: true, env: { ...env, ASTBILL_NODE: 'n1' } });
      two = await startE2e(tdb, {
        daemonOnSimClock: true,
        startTime: SIM_START + 3_600_000,
        env: { ...env, ASTBILL_NODE: 'n2' },
      });
      rate = await one.t.seedRate({ prefix: '44', rate: '0.60', initial: 1, increment: 1 });
      await one.t.seedRate({ prefix: '88', rate: '3.00', initial: 1, increment: 1 });
      await one.t.store.setDestRules('tariff', 'default', ['8816'], 'deny');
    });
    after(async () => {
      await two?.close();
      await one?.close();
    });

    async function talkingCall(e: E2e, a: AccountDetails, exten: string) {
      const c = e.sim.placeCall({ exten, accountcode: a.name });
      await driveUntil(e, `${exten} talking`, () => talking(e, c.channelId));
      return c.channelId;
    }

    /** The call was hung up by the daemon (ARI DELETE) and billed exactly for what it talked. */
    async function cutAndBilled(e: E2e, id: string) {
      const ended = e.sim.ended(id)!;
      assert.equal(ended.hungUpBy, 'app', `${id}: hung up by astbill`);
      const cdr = await settledCdr(e, id);
      assert.equal(cdr.note, 'ended by astbill: blocked');
      const b = e.sim
        .endedChannels()
        .find((c) => c.kind === 'outbound' && ended.bridgedWith?.includes(c.id))!;
      const talked = Math.floor((ended.endedAt - b.answeredAt!) / 1000);
      assert.ok(Math.abs(cdr.billsec - talked) <= 1, `billsec ${cdr.billsec} for ${talked} s`);
      assert.equal(cdr.cost, callCost(rate, cdr.billsec));
      return cdr.cost;
    }

    async function books(a: AccountDetails, start: string, costs: bigint[]) {
      await quiet(one);
      await quiet(two);
      const after = (await one.t.store.accountDetails(a.name))!;
      assert.equal(after.status, 'blocked');
      assert.equal(after.balance, parseMoney(start) - costs.reduce((x, y) => x + y, 0n));
      assert.equal(after.reserved, 0n);
      assert.equal(await one.t.store.ledgerSum(a.id), after.balance);
    }

    async function blockedOnce(a: AccountDetails, trigger: string) {
      const events = (await one.t.store.listEvents({ account: a.name, channel: 'webhook' })).filter(
        (ev) => ev.kind === 'account.auto_blocked',
      );
      assert.equal(events.length, 1, 'one auto_blocked event');
      assert.deepEqual([events[0]!.payload.account, events[0]!.payload.trigger], [a.name, trigger]);
      const audit = (await one.t
        .knex('astaudit')
        .where({ target: `account:${a.name}`, action: 'block' })
        .select('actor')) as { actor: string }[];
      assert.deepEqual(
        audit.map((r) => r.actor),
        ['system:anomaly-stop'],
      );
    }

    it('burst: a call that takes the last 10 minutes over the limit blocks the account and cuts its calls on both daemons', async () => {
      const a = await one.t.seedAccount({ balance: '20', maxSeconds: 300 });
      await one.t.store.setCaps(a.name, { burstMinutes: 10, burstSpend: parseMoney('1.00') });
      const onOne = await talkingCall(one, a, '4411');
      const onTwo = await talkingCall(two, a, '4412');
      const spender = await talkingCall(one, a, '4413');
      one.advance(110_000); // 1.10: more than the 1.00 the window allows
      one.sim.hangupCaller(spender);
      const big = await settledCdr(one, spender);
      assert.equal(big.cost, parseMoney('1.10'));
      assert.equal(
        (await one.t.store.accountDetails(a.name))?.status,
        'blocked',
        'blocked at once',
      );

      await driveUntil(one, 'the call on daemon 1 cut', () => one.sim.ended(onOne));
      await driveUntil(two, 'the call on daemon 2 cut', () => two.sim.ended(onTwo));
      const costs = [big.cost, await cutAndBilled(one, onOne), await cutAndBilled(two, onTwo)];
      await books(a, '20', costs);
      await blockedOnce(a, 'burst');

      const refused = one.sim.placeCall({ exten: '4414', accountcode: a.name });
      assert.equal((await settledCdr(one, refused.channelId)).reason, 'BLOCKED');
      await driveUntil(one, 'the refusal hung up', () => one.sim.ended(refused.channelId));
    });

    it('probing: the third denied destination within a minute blocks the account and ends its live call', async () => {
      const a = await one.t.seedAccount({ balance: '20', maxSeconds: 300 });
      await one.t.store.setCaps(a.name, { blockedDestPerMin: 3 });
      const live = await talkingCall(one, a, '4421');
      for (const n of ['881610', '881611', '881612']) {
        const c = one.sim.placeCall({ exten: n, accountcode: a.name });
        assert.equal((await settledCdr(one, c.channelId)).reason, 'BLOCKEDDEST');
        await driveUntil(one, 'the refusal hung up', () => one.sim.ended(c.channelId));
      }
      await driveUntil(one, 'the live call cut', () => one.sim.ended(live));
      await books(a, '20', [await cutAndBilled(one, live)]);
      await blockedOnce(a, 'probing');
    });

    it('spike: a call over the concurrent limit is refused BLOCKED and the calls already up are ended', async () => {
      const a = await one.t.seedAccount({ balance: '20', maxSeconds: 300 });
      await one.t.store.setCaps(a.name, { concurrentMax: 2 });
      const first = await talkingCall(one, a, '4431');
      const second = await talkingCall(two, a, '4432');
      one.advance(30_000);
      const third = one.sim.placeCall({ exten: '4433', accountcode: a.name });
      const refused = await settledCdr(one, third.channelId);
      assert.deepEqual([refused.reason, refused.note], ['BLOCKED', 'anomaly stop: spike']);
      await driveUntil(one, 'the refusal hung up', () => one.sim.ended(third.channelId));
      await driveUntil(one, 'the first call cut', () => one.sim.ended(first));
      await driveUntil(two, 'the second call cut', () => two.sim.ended(second));
      await books(a, '20', [await cutAndBilled(one, first), await cutAndBilled(two, second)]);
      await blockedOnce(a, 'spike');
    });
  });
});

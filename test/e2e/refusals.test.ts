/**
 * Calls astbill refuses before dialling: each is announced, hung up, charged nothing, leaves no
 * reservation and no B leg, and leaves a FAILED CDR with the reason for the operator's audit.
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import {
  bLegsOf,
  driveUntil,
  quiet,
  settledCdr,
  startE2e,
  talking,
  timesPlayed,
  waitFor,
  type E2e,
} from './harness.js';

describe('a refused call', function () {
  this.timeout(20_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, { rules: [{ prefix: '', action: 'answer' }] });
      await e.t.seedRate({ prefix: '44', rate: '0.05', connect: '0.10' });
    });
    after(async () => e?.close());

    async function refused(exten: string, accountName: string, reason: string, sound: string) {
      const legsBefore = bLegsOf(e).length;
      const call = e.sim.placeCall({ exten, accountcode: accountName });
      const A = call.channelId;
      await driveUntil(e, `the announcement ${sound}`, () => timesPlayed(e, sound, A) === 1);
      await driveUntil(e, 'the hangup', () => e.sim.ended(A) !== undefined);
      const cdr = await settledCdr(e, A);
      await quiet(e);
      assert.equal(cdr.disposition, 'FAILED');
      assert.equal(cdr.reason, reason);
      assert.equal(cdr.cost, 0n);
      assert.equal(e.sim.ended(A)?.hungUpBy, 'app');
      assert.equal(bLegsOf(e).length, legsBefore, 'nothing was dialled');
      return cdr;
    }

    it('has no rate for the destination: ss-noservice, NOROUTE', async () => {
      const acct = await e.t.seedAccount({ balance: '5' });
      const cdr = await refused('8612345678', acct.name, 'NOROUTE', 'sound:ss-noservice');
      assert.equal(cdr.dst, '8612345678');
      assert.equal((await e.t.store.accountDetails(acct.name))!.balance, parseMoney('5'));
    });

    it('comes from a blocked account: ss-noservice, BLOCKED', async () => {
      const acct = await e.t.seedAccount({ balance: '5' });
      await e.t.store.setAccountStatus(acct.name, 'blocked');
      await refused('4412345', acct.name, 'BLOCKED', 'sound:ss-noservice');
      assert.equal((await e.t.store.accountDetails(acct.name))!.balance, parseMoney('5'));
    });

    it('dials something that is not a number: BADNUMBER', async () => {
      const acct = await e.t.seedAccount({ balance: '5' });
      await refused('44ab12', acct.name, 'BADNUMBER', 'sound:ss-noservice');
    });

    it('dials more than 20 digits: BADNUMBER', async () => {
      const acct = await e.t.seedAccount({ balance: '5' });
      await refused('442071234567890123456', acct.name, 'BADNUMBER', 'sound:ss-noservice');
    });

    it('has too little credit for one billing block: vm-nomore, NOCREDIT', async () => {
      const acct = await e.t.seedAccount({ balance: '0.10' }); // 0.10 fee + 60 s at 0.05 = 0.15 > 0.10
      await refused('4412345', acct.name, 'NOCREDIT', 'sound:vm-nomore');
      assert.equal((await e.t.store.accountDetails(acct.name))!.balance, parseMoney('0.10'));
    });

    it('would exceed the account’s concurrent-call limit: all-circuits-busy-now, LIMIT', async () => {
      const acct = await e.t.seedAccount({ balance: '5', maxCalls: 1 });
      const first = e.sim.placeCall({ exten: '4412345', accountcode: acct.name });
      await waitFor('the first call to talk', () => talking(e, first.channelId));
      const legsBefore = bLegsOf(e).length;
      const second = e.sim.placeCall({ exten: '4412346', accountcode: acct.name });
      await driveUntil(
        e,
        'the announcement',
        () => timesPlayed(e, 'sound:all-circuits-busy-now', second.channelId) === 1,
        { stepMs: 100 },
      );
      await driveUntil(e, 'the hangup', () => e.sim.ended(second.channelId) !== undefined, {
        stepMs: 100,
      });
      const cdr = await settledCdr(e, second.channelId);
      assert.equal(cdr.reason, 'LIMIT');
      assert.equal(bLegsOf(e).length, legsBefore);
      assert.ok(e.sim.channel(first.channelId), 'the first call goes on');
      e.sim.hangupCaller(first.channelId);
      await settledCdr(e, first.channelId);
      await quiet(e);
    });
  });
});

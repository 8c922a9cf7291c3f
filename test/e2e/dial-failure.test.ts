/**
 * The far end is busy, does not answer or is congested. A caller who was answered before the
 * dial (here: the balance announcement) is told what happened before the hang-up; a caller who
 * was never answered gets the failure's own cause (SIP 486/480/503) and hears nothing from us.
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import type { FarEndRule } from '../../daemon/src/sim/index.js';
import { forEachDatabase } from '../support/db.js';
import {
  bLegsOf,
  driveUntil,
  playbacksStarted,
  quiet,
  settledCdr,
  startE2e,
  type E2e,
} from './harness.js';

describe('a destination that does not answer, after an announcement', function () {
  this.timeout(30_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, { env: { ASTBILL_ANNOUNCE: 'true' }, daemonOnSimClock: true });
      await e.t.seedRate({ prefix: '33', rate: '0.05', connect: '0.10' });
    });
    after(async () => e?.close());

    async function failedAfterAnnouncement(rule: FarEndRule) {
      e.sim.setRules([rule]);
      const acct = await e.t.seedAccount({ balance: '5' });
      const before = new Set(bLegsOf(e));
      const call = e.sim.placeCall({ exten: '33123456', accountcode: acct.name, callerId: '1001' });
      const A = call.channelId;
      await driveUntil(e, 'the caller hung up', () => e.sim.ended(A), { maxSimMs: 90_000 });
      const cdr = await settledCdr(e, A);
      await quiet(e);
      const bId = bLegsOf(e).find((id) => !before.has(id));
      assert.ok(bId, 'the destination was dialled');
      const a = e.sim.ended(A)!;
      const b = e.sim.ended(bId)!;
      assert.ok(a.answeredAt !== undefined, 'the caller was answered for the announcement');
      assert.equal(b.answeredAt, undefined, 'the far end never answered');
      assert.equal(a.hungUpBy, 'app');
      const account = (await e.t.store.accountDetails(acct.name))!;
      assert.equal(cdr.cost, 0n);
      assert.equal(account.balance, parseMoney('5'), 'nothing charged');
      assert.equal(account.reserved, 0n, 'reservation released');
      // What A heard after the far end gave up: the announcement came before the dial.
      const afterFailure = playbacksStarted(e, A).filter((p) => p.at >= b.endedAt);
      return { cdr, a, b, afterFailure };
    }

    it('is busy: the caller hears the busy tone, then is hung up with cause 17', async () => {
      const r = await failedAfterAnnouncement({ prefix: '33', action: 'busy', ringMs: 1000 });
      assert.equal(r.cdr.disposition, 'BUSY');
      assert.deepEqual(
        r.afterFailure.map((p) => p.media),
        ['tone:busy'],
      );
      assert.equal(r.a.cause, 17);
      // The tone plays until stopped: the caller hears it for 5 s, not forever and not for 0 s.
      const heard = r.a.endedAt - r.afterFailure[0]!.at;
      assert.ok(heard >= 4_500 && heard <= 6_000, `busy tone heard for ${heard} ms`);
    });

    it('rings out: the caller hears "the number is not answering", then cause 19', async () => {
      const r = await failedAfterAnnouncement({ prefix: '33', action: 'noanswer' });
      assert.equal(r.cdr.disposition, 'NO ANSWER');
      assert.deepEqual(
        r.afterFailure.map((p) => p.media),
        ['sound:number-not-answering'],
      );
      assert.equal(r.a.cause, 19);
    });

    it('is congested: the caller hears "all circuits are busy", then cause 34', async () => {
      const r = await failedAfterAnnouncement({ prefix: '33', action: 'congestion', ringMs: 500 });
      assert.equal(r.cdr.disposition, 'CONGESTION');
      assert.deepEqual(
        r.afterFailure.map((p) => p.media),
        ['sound:all-circuits-busy-now'],
      );
      assert.equal(r.a.cause, 34);
    });
  });
});

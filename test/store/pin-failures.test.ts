/** The PIN-guessing limits through the database: shared by two daemons, kept across a restart. */
import assert from 'node:assert/strict';
import { GuessLimiter } from '../../daemon/src/session/guess-limiter.js';
import { knexGuessLog } from '../../daemon/src/store/pin-failures.js';
import { FakeClock } from '../session/fakes.js';
import { forEachDatabase, type TestStore } from '../support/db.js';

describe('astpinfail: the guessing limits in the database', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;
    before(async () => (t = await tdb.open()));

    const daemon = (node: string, clock: FakeClock) =>
      new GuessLimiter({
        windowMinutes: 15,
        callerFailures: 4,
        slowFailures: 0,
        slowSeconds: 5,
        refuseFailures: 6,
        node,
        clock,
        log: () => knexGuessLog(t.store.db),
      });

    it('counts failures seen by two daemons together, and a restarted daemon still knows them', async () => {
      const clock = new FakeClock();
      await t.knex('astpinfail').delete();
      const [n1, n2] = [daemon('n1', clock), daemon('n2', clock)];
      await n1.recordFailure('pin', '5550100');
      await n2.recordFailure('pin', '5550100');
      await n1.recordFailure('pin', '5550100');
      assert.deepEqual(await n2.recordFailure('pin', '5550100'), {
        access: 'refused',
        why: 'caller',
      });
      const restarted = daemon('n1', clock);
      assert.deepEqual(await restarted.check('5550100'), { access: 'refused', why: 'caller' });
      await n1.recordFailure('voucher', '');
      assert.deepEqual(await restarted.recordFailure('pin', '5550199'), {
        access: 'refused',
        why: 'attack',
      });
      const rows = await t.knex('astpinfail').select('kind', 'caller', 'node').orderBy('id');
      assert.equal(rows.length, 6);
      assert.deepEqual(rows[4], { kind: 'voucher', caller: '', node: 'n1' });
      clock.advance(15 * 60_000);
      assert.deepEqual(await daemon('n2', clock).check('5550100'), { access: 'open' });
    });

    it('deletes rows older than twice the window', async () => {
      await t.knex('astpinfail').delete();
      const log = knexGuessLog(t.store.db);
      const now = Date.parse('2030-01-01T12:00:00Z');
      await log.record({ kind: 'pin', caller: '1', node: 'n', at: new Date(now - 40 * 60_000) });
      await log.record({ kind: 'pin', caller: '1', node: 'n', at: new Date(now) });
      await log.prune(new Date(now - 30 * 60_000));
      assert.equal(
        (await log.recent({ since: new Date(0), caller: '1', callerSince: new Date(0) })).total,
        1,
      );
    });
  });
});

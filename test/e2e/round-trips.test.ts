/**
 * SQL round trips per answered call (issue #19): the real daemon on MariaDB, ten ordinary calls
 * offered together (identify, rate, authorise, answer mark in the node's batch, settle),
 * counted at the mysql2 driver once the daemon's pool is open. Issue #19's target is 3: the
 * set-up read, authorise and settle are one trip each (their one-trip batches), plus a share of
 * the answer batch. Checkpoints and housekeeping are node-wide work, switched off here so that
 * only the calls' own statements are counted. On SQLite the driver sends nothing.
 */
import assert from 'node:assert/strict';
import { forEachDatabase } from '../support/db.js';
import { roundTrips } from '../support/round-trips.js';
import { settled, startE2e, talking, waitFor, type E2e } from './harness.js';

const CALLS = 10;

describe('SQL round trips per answered call', function () {
  this.timeout(30_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        env: {
          ASTBILL_ANSWER_BATCH_MS: '200',
          ASTBILL_CHECKPOINT_SECONDS: '0',
          ASTBILL_HOUSEKEEPING_CRON: '0 0 1 1 *',
        },
        rules: [{ prefix: '44', action: 'answer', hangupAfterMs: 30_000 }],
      });
      await e.t.seedRate({
        prefix: '44',
        rate: '0.05',
        connect: '0.10',
        initial: 60,
        increment: 6,
      });
    });
    after(async () => e?.close());

    /** One answered call of 30 s per account, offered together; resolves when all are settled. */
    async function callsOf(accounts: { name: string }[]): Promise<string[]> {
      const ids = accounts.map(
        (a) => e.sim.placeCall({ exten: '442071234567', accountcode: a.name }).channelId,
      );
      await waitFor('every call talking', () => ids.every((id) => talking(e, id)));
      await settled(e); // the answer batch written
      e.advance(30_000);
      await waitFor('every call over', () => e.daemon.liveCalls === 0);
      await settled(e);
      return ids;
    }

    const seed = async () => {
      const accounts: { name: string }[] = [];
      for (let i = 0; i < CALLS; i++) accounts.push(await e.t.seedAccount({ balance: '10' }));
      return accounts;
    };

    it('ten answered calls cost at most 3.2 round trips each (set-up read, authorise, settle, a share of the answer batch), and are billed', async () => {
      // The first calls open the daemon's pooled connections (one SET time_zone each): not per call.
      await callsOf(await seed());
      const accounts = await seed();
      let ids: string[] = [];
      const trips = await roundTrips(async () => {
        ids = await callsOf(accounts);
      });
      for (const id of ids) {
        const cdr = (await e.t.store.cdr(id))!;
        assert.deepEqual([cdr.status, cdr.disposition, cdr.billsec], ['settled', 'ANSWERED', 30]);
      }
      const perCall = trips / CALLS;
      console.log(`      [round trips] ${trips} for ${CALLS} answered calls: ${perCall} per call`);
      if (tdb.kind === 'mysql')
        assert.ok(perCall <= 3.2, `${perCall} round trips per answered call`);
      else assert.equal(trips, 0);
    });
  });
});

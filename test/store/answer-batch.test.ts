/**
 * The node's answer batch (store/answer-batch.ts): calls answered within one window are marked by
 * ONE statement, each keeps its first answer time, and a mark still waiting for its batch is not
 * in the database yet: that window is what a crash of the daemon can lose.
 */
import assert from 'node:assert/strict';
import type { Rate } from '../../daemon/src/rating/index.js';
import { AnswerBatch } from '../../daemon/src/store/answer-batch.js';
import { forEachDatabase, uniqueName, type TestStore } from '../support/db.js';
import { roundTrips } from '../support/round-trips.js';

describe('answer marks written in node-wide batches', () => {
  forEachDatabase((tdb) => {
    let t: TestStore;
    let rate: Rate;
    const start = new Date('2030-05-01T10:00:00.000Z');
    const at = (s: number) => new Date(start.getTime() + s * 1000);

    async function authorised(n: number): Promise<string[]> {
      const a = await t.seedAccount({ balance: '100' });
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const uniqueid = uniqueName('ans');
        const res = await t.store.authorise({
          uniqueid,
          accountId: a.id,
          src: '1555',
          dst: '447700900123',
          rate,
          node: 'node1',
          defaultMaxSeconds: 3600,
          start,
        });
        assert.equal(res.ok, true);
        ids.push(uniqueid);
      }
      return ids;
    }
    const answers = async (ids: string[]) => {
      const cdrs = (await t.db
        .knex('astcdr')
        .whereIn('uniqueid', ids)
        .select('uniqueid', 'answer')) as Array<{
        uniqueid: string;
        answer: unknown;
      }>;
      const res = (await t.db
        .knex('astcreditres')
        .whereIn('uniqueid', ids)
        .select('uniqueid', 'answer')) as Array<{
        uniqueid: string;
        answer: unknown;
      }>;
      const seconds = (v: unknown) =>
        v === null
          ? null
          : (new Date(
              v instanceof Date
                ? v
                : String(v).replace(' ', 'T') + (String(v).endsWith('Z') ? '' : 'Z'),
            ).getTime() -
              start.getTime()) /
            1000;
      const by = (rows: Array<{ uniqueid: string; answer: unknown }>) =>
        ids.map((id) => seconds(rows.find((r) => r.uniqueid === id)?.answer ?? null));
      return { cdr: by(cdrs), reservation: by(res) };
    };

    before(async () => {
      t = await tdb.open();
      rate = await t.seedRate({ prefix: '44', rate: '0.05' });
    });

    it('marks every call answered in the window, on CDR and reservation, first answer kept', async () => {
      const ids = await authorised(5);
      const batch = new AnswerBatch(t.db, 60_000);
      const marks = ids.map((id, i) => batch.mark(id, at(i + 1)));
      // A second answer for the first call (a duplicated event) does not move its time.
      marks.push(batch.mark(ids[0]!, at(30)));
      assert.equal(batch.pending, 5);
      // Until the batch is written the database has none of them: what a crash now would lose.
      assert.deepEqual((await answers(ids)).cdr, [null, null, null, null, null]);
      const trips = await roundTrips(async () => {
        await batch.flush();
        await Promise.all(marks);
      });
      if (tdb.kind === 'mysql') assert.equal(trips, 1);
      assert.deepEqual(await answers(ids), { cdr: [1, 2, 3, 4, 5], reservation: [1, 2, 3, 4, 5] });
      // A later batch does not overwrite a recorded answer.
      const again = batch.mark(ids[1]!, at(40));
      await batch.flush();
      await again;
      assert.deepEqual((await answers(ids)).cdr, [1, 2, 3, 4, 5]);
    });

    it('the store’s markAnswered writes at once without a window (ASTBILL_ANSWER_BATCH_MS=0)', async () => {
      const [id] = await authorised(1);
      await t.store.markAnswered(id!, at(7));
      assert.deepEqual(await answers([id!]), { cdr: [7], reservation: [7] });
    });

    it('writes a mark asked for now at once, while the window keeps the others', async () => {
      const [queued, callback] = await authorised(2);
      const batch = new AnswerBatch(t.db, 60_000);
      const later = batch.mark(queued!, at(3));
      await batch.mark(callback!, at(4), true);
      // The callback leg's answer is on record before any batch is written; the other waits.
      assert.deepEqual(await answers([queued!, callback!]), {
        cdr: [null, 4],
        reservation: [null, 4],
      });
      assert.equal(batch.pending, 1);
      await batch.flush();
      await later;
      assert.deepEqual((await answers([queued!, callback!])).cdr, [3, 4]);
    });

    it('fails every mark of a batch that cannot be written, so that each is journaled', async () => {
      const [id] = await authorised(1);
      const broken = {
        ...t.db,
        dialect: t.db.dialect,
        knex: t.db.knex,
        tx: () => Promise.reject(new Error('db down')),
      };
      const closed = new AnswerBatch(
        tdb.kind === 'mysql'
          ? {
              ...broken,
              oneTrip: { batch: () => Promise.reject(new Error('db down')) },
            }
          : (broken as typeof t.db),
        60_000,
      );
      const one = closed.mark(id!, at(1));
      const two = closed.mark(uniqueName('other'), at(2));
      await closed.flush();
      await assert.rejects(one, /db down/);
      await assert.rejects(two, /db down/);
    });
  });
});

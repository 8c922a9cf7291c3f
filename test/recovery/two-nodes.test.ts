/**
 * Two daemon processes (nodes n1 and n2, one per Asterisk box) on one database, 200 concurrent
 * calls on ONE account from both. The money never goes beyond the balance at any moment, every
 * reservation and CDR carries the node that made it, and when n1 is killed and restarted it
 * reconciles its own calls and nothing of n2's.
 *
 * Channel ids: two real Asterisk boxes must not produce the same uniqueid (set `systemname` in
 * asterisk.conf, which prefixes them); the simulated boxes do the same with `box1-`/`box2-` ids.
 */
import assert from 'node:assert/strict';
import type { AriSimulator, CallHandle } from '../../daemon/src/sim/index.js';
import { forEachDatabase } from '../support/db.js';
import { assertBooks, killAll, rigOn, sleep, spawnDaemon, until } from './rig.js';

const PER_BOX = 100;

describe('two daemons on one database', function () {
  this.timeout(90_000);
  after(killAll);

  forEachDatabase((tdb) => {
    const rig = rigOn(tdb, ['02:00:5e:00:53:01', '02:00:5e:00:53:02']);

    it('never reserves or charges more than the balance, tags every row with its node, and each node reconciles only its own calls', async () => {
      const { t } = rig;
      const [box1, box2] = rig.sims as [AriSimulator, AriSimulator];
      // 3.00 pays for 50 full 6 s grants at a time (0.06 each).
      const acct = await t.seedAccount({ balance: '3' });
      const env = { ASTBILL_MAX_CALL_SECONDS: '6' };
      let n1 = await spawnDaemon({ tdb, sim: box1, node: 'n1', env });
      const n2 = await spawnDaemon({ tdb, sim: box2, node: 'n2', env });

      let samples = 0;
      let worst = acct.balance;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const row = (await t
            .knex('astaccount')
            .where({ id: acct.id })
            .first('balance', 'reserved')) as { balance: unknown; reserved: unknown };
          const available = BigInt(String(row.balance)) - BigInt(String(row.reserved));
          assert.ok(
            available >= 0n,
            `reserved ${String(row.reserved)} beyond the balance ${String(row.balance)}`,
          );
          const nodes = (await t
            .knex('astcreditres')
            .where({ account_id: acct.id })
            .select('uniqueid', 'node')) as { uniqueid: string; node: string }[];
          for (const r of nodes)
            assert.equal(
              r.node,
              r.uniqueid.startsWith('box1-') ? 'n1' : 'n2',
              `node of reservation ${r.uniqueid}`,
            );
          if (available < worst) worst = available;
          samples++;
          await sleep(20);
        }
      })();

      const place = (box: AriSimulator, tag: string, i: number): CallHandle =>
        box.placeCall({
          channelId: `${tag}-${1_000_000 + i}`,
          exten: `44${3000 + i}`,
          accountcode: acct.name,
          hangupAfterMs: 1_500 + ((i * 331) % 2_500),
        });
      const calls: CallHandle[] = [];
      for (let i = 0; i < PER_BOX; i++) calls.push(place(box1, 'box1', i), place(box2, 'box2', i));

      // n1 dies with calls up and comes back; n2 goes on.
      // Once n1 has taken every box1 call (each has its CDR), it dies with the answered ones up.
      await until(
        'n1 took all its calls',
        async () =>
          Number(
            ((await t.knex('astcdr').where({ node: 'n1' }).count({ n: '*' }))[0] as { n: unknown })
              .n,
          ) >= PER_BOX,
        15_000,
        20,
      );
      const n1Reserved = (
        (await t.knex('astcreditres').where({ node: 'n1' }).select('uniqueid')) as {
          uniqueid: string;
        }[]
      ).map((r) => r.uniqueid);
      await n1.kill9();
      await until('box1 sees n1 gone', () => !box1.appConnected('astbill'), 5_000);
      // n1 stays dead until one of its calls has ended with nobody listening (or none is left up).
      await until(
        'a box1 call to end while n1 is dead',
        () =>
          box1.sentEvents('astbill').some((s) => !s.delivered) || box1.liveChannels().length === 0,
        10_000,
      );
      const n1Old = n1;
      n1 = await spawnDaemon({ tdb, sim: box1, node: 'n1', env });

      await until(
        'every reservation settled',
        async () => (await t.store.reservations()).length === 0,
        40_000,
        100,
      );
      await until(
        'no channel left',
        () =>
          box1.liveChannels().length === 0 &&
          box2.liveChannels().length === 0 &&
          // Empty bridges are kept by each daemon for its next calls (deleted when it stops).
          box1.bridges().every((b) => b.channels.length === 0) &&
          box2.bridges().every((b) => b.channels.length === 0),
        10_000,
      );
      sampling = false;
      await sampler;

      const books = await assertBooks(t, [acct]);
      assert.ok(books.charged <= acct.balance, 'charged no more than the balance');
      const cdrs = (await t.store.cdrs()).filter((c) => c.accountId === acct.id);
      // A caller who hangs up before the account is looked up leaves an ABANDONED CDR without
      // an account (frequent under load): every call's CDR is looked up, not only the account's.
      const byId = new Map((await t.store.cdrs()).map((c) => [c.uniqueid, c]));
      let diedUnrecorded = 0;
      for (const c of calls) {
        const cdr = byId.get(c.channelId);
        if (!cdr) {
          // Offered to n1 just before it was killed, before anything reached the database: never
          // dialled, never bridged, nothing reserved or charged (the caller hung up in silence).
          diedUnrecorded++;
          assert.ok(
            c.channelId.startsWith('box1-'),
            `${c.channelId}: only the killed node can lose an attempt; n2 said: ${JSON.stringify(
              n2.logs.filter((l) => l.call === c.channelId || l.uniqueid === c.channelId),
            )}`,
          );
          assert.equal(box1.ended(c.channelId)?.bridgeId, undefined, `${c.channelId} never talked`);
          continue;
        }
        assert.equal(
          cdr.node,
          c.channelId.startsWith('box1-') ? 'n1' : 'n2',
          `node of ${c.channelId}`,
        );
      }
      const reconciled = cdrs.filter((c) => /reconciled/.test(c.note ?? ''));
      assert.ok(
        reconciled.every((c) => c.node === 'n1' && n1Reserved.includes(c.uniqueid)),
        'only n1’s own calls were reconciled',
      );
      for (const l of n1.logged(/RECONCILED|supervision resumed/))
        assert.match(String(l.uniqueid), /^box1-/);
      assert.deepEqual(n2.logged(/RECONCILED|supervision resumed/), [], 'n2 reconciled nothing');
      assert.equal(n1Old.logged(/RECONCILED/).length, 0);

      const answered = cdrs.filter((c) => c.disposition === 'ANSWERED').length;
      const refused = cdrs.filter((c) => c.reason === 'NOCREDIT').length;
      await n1.stop();
      await n2.stop();
      assert.deepEqual(
        [box1.bridges(), box2.bridges()],
        [[], []],
        'stopped daemons leave no bridge',
      );
      process.stdout.write(
        `      [two nodes] ${calls.length} calls on one account from 2 daemons: ${answered} answered, ${refused} refused NOCREDIT; ` +
          `n1 killed with ${n1Reserved.length} reservations, ${reconciled.length} settled by its reconciliation; ` +
          `${diedUnrecorded} offered to n1 as it died left no CDR (never dialled, not charged); charged ${books.charged} of ${acct.balance}; lowest available seen ${worst} over ${samples} samples; double 0, reservations left 0\n`,
      );
    });
  });
});

/**
 * End to end: the real daemon (through the e2e harness and the ARI simulator) billing through
 * the resilient store, while its MariaDB is really stopped under a steady call load.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { Journal } from '../../daemon/src/resilience/journal.js';
import { wrapStore, type ResilientStore } from '../../daemon/src/resilience/resilient-store.js';
import { PrivateMariaDb } from '../support/private-mariadb.js';
import type { TestDatabase, TestStore } from '../support/db.js';
import { driveUntil, startE2e, talking, waitFor, type E2e } from '../e2e/harness.js';
import { assertBooksBalance, journalDir } from './support.js';

describe('the daemon while its database is stopped under load', function () {
  this.timeout(90_000);
  let m: PrivateMariaDb;
  let tdb: TestDatabase & { close(): Promise<void> };
  let inner: TestStore;
  let journal: Journal;
  let store: ResilientStore;
  let e: E2e;
  let dir: string;

  before(async () => {
    dir = journalDir();
    m = await PrivateMariaDb.start();
    tdb = await m.testDatabase();
    inner = await tdb.open();
    journal = await Journal.open(dir);
    store = wrapStore(inner.store, { journal, deadlineMs: 1000, policy: 'refuse' });
    e = await startE2e(tdb, { deps: { store } });
    await e.t.seedRate({ prefix: '39', rate: '0.05', initial: 60, increment: 6 });
  });

  after(async () => {
    m?.resume();
    if (m && !m.running) await m.start();
    await e?.close();
    await journal?.close();
    await inner?.close();
    await tdb?.close();
    await m?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('settles every call that was up exactly once after the database is back, refuses new calls meanwhile, and recovers', async () => {
    // 2 minutes per call at most; 0.05/min → each full call costs 0.10.
    const acct = await e.t.seedAccount({ balance: '100', maxSeconds: 120 });
    const place = (exten: string) => e.sim.placeCall({ exten, accountcode: acct.name });

    // Wave 1: 12 calls up, staggered by 5 s of simulated time.
    const up: Array<{ c: { channelId: string } }> = [];
    for (let i = 0; i < 12; i++) {
      const c = place(`3906${String(i).padStart(3, '0')}`);
      await waitFor(`call ${i} talking`, () => talking(e, c.channelId));
      up.push({ c });
      e.advance(5000);
    }

    // (the answer time reaches the database just after the bridge: wait for it, so that the
    // journal holds exactly the settlements and refusals below)
    await waitFor('answer times recorded', async () =>
      (
        await Promise.all(up.map(async ({ c }) => (await e.t.store.cdr(c.channelId))?.answer))
      ).every(Boolean),
    );
    await m.stop();
    // Wave 2 during the outage: every new call is refused (announcement, hangup), none is dialled.
    const refused: Array<{ channelId: string }> = [];
    for (let i = 0; i < 6; i++) {
      const c = place(`3907${String(i).padStart(3, '0')}`);
      refused.push(c);
      await driveUntil(e, `refused call ${i} hung up`, () => e.sim.ended(c.channelId), {
        stepMs: 500,
      });
    }
    // The limits run out while the database is still down: every call of wave 1 ends and is journaled.
    await driveUntil(e, 'wave 1 ended by its limits', () => e.daemon.liveCalls === 0, {
      stepMs: 1000,
      maxSimMs: 200_000,
    });
    assert.ok(up.every(({ c }) => e.sim.ended(c.channelId)));
    assert.equal(store.pending(), 12 + 6, '12 settlements and 6 refusal CDRs wait');
    assert.equal((await Journal.read(dir)).pending.length, 18, 'all of them on disk');

    await m.start();
    const rep = await store.replay();
    assert.equal(rep.stoppedBy, null);
    assert.equal(store.pending(), 0);

    // Wave 3 after the restart: calls go through again.
    const after = place('39080000');
    await waitFor('a call after the outage talks', () => talking(e, after.channelId), 10_000);
    await driveUntil(e, 'the call after the outage ended', () => e.daemon.liveCalls === 0, {
      stepMs: 1000,
      maxSimMs: 200_000,
    });

    const full = parseMoney('0.10');
    const charges: Record<string, bigint> = {};
    for (const { c } of up) charges[c.channelId] = full;
    charges[after.channelId] = full;
    await waitFor(
      'the last call settled',
      async () => (await e.t.store.cdr(after.channelId))?.status === 'settled',
    );
    await assertBooksBalance(e.t, acct.name, acct.balance, charges);
    for (const { c } of up)
      assert.equal((await e.t.store.cdr(c.channelId))?.billsec, 120, c.channelId);

    // The caller could not even be identified, so these CDRs carry no account.
    const dberror = (await e.t.store.cdrs()).filter((c) => c.reason === 'DBERROR');
    assert.equal(dberror.length, 6, 'every refused attempt left its FAILED CDR');
    for (const c of refused)
      assert.ok(
        dberror.some((d) => d.uniqueid.startsWith(c.channelId)),
        `refusal CDR of ${c.channelId}`,
      );
    assert.ok(dberror.every((c) => c.cost === 0n && c.disposition === 'FAILED'));
    assert.equal(e.sim.liveChannels().length, 0);
  });
});

/**
 * kill -9 of the daemon during a callback call (two legs, both charged). The legs' answers are
 * in the database, so a callback that ended while no daemon listened is billed from them
 * (within its checkpoints and its grant), and a callback still up at the restart is resumed as
 * ONE two-leg call: the hang-up of either leg ends both, each billed from its own answer.
 */
import assert from 'node:assert/strict';
import { callCost, type Rate } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import {
  assertBooks,
  checkpointsOf,
  journalDirFor,
  killAll,
  leftInAsterisk,
  rigOn,
  spawnDaemon,
  until,
  type ChildDaemon,
} from './rig.js';

const TOKEN = 'callback-restart-token-0123456789';
const MAX = 60; // ASTBILL_MAX_CALL_SECONDS: the grant of each leg

async function postCallback(
  d: ChildDaemon,
  body: { account: string; a: string; b: string },
): Promise<{ callbackId: string; legs: { a: string; b: string } }> {
  const line = await until('the API listening', () => d.logged(/HTTP API listening/)[0]);
  const res = await fetch(`http://127.0.0.1:${String(line.port)}/callbacks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 202, await res.clone().text());
  return (await res.json()) as { callbackId: string; legs: { a: string; b: string } };
}

describe('kill -9 of the daemon during a callback call', function () {
  this.timeout(120_000);
  afterEach(killAll);

  forEachDatabase((tdb) => {
    const rig = rigOn(tdb);
    const env = {
      ASTBILL_MAX_CALL_SECONDS: String(MAX),
      ASTBILL_API_PORT: '0',
      ASTBILL_API_TOKEN: TOKEN,
    };
    let rate: Rate;
    before(async () => {
      rate = (await rig.t.store.rateFor('default', '4411'))!;
      assert.ok(rate, 'the per-second rate of 44…');
    });

    /** Starts a daemon, a callback through its API, and waits until both legs are bridged and checkpointed. */
    async function bridgedCallback(node: string) {
      const sim = rig.sims[0]!;
      const account = await rig.t.seedAccount({ balance: '50' });
      const journalDir = journalDirFor();
      // A daemon of an earlier test may still be seen for a moment.
      await until('no daemon connected', () => !sim.appConnected('astbill'), 5_000);
      const d1 = await spawnDaemon({ tdb, sim, node, env, journalDir });
      const cb = await postCallback(d1, { account: account.name, a: '4411', b: '4422' });
      const { a, b } = cb.legs;
      await until(
        'both legs bridged',
        () => sim.bridges().some((x) => x.channels.includes(a) && x.channels.includes(b)),
        10_000,
      );
      // Checkpoints prove each leg's talk time: written only from a recorded answer.
      await until(
        'a checkpoint of each leg',
        async () => {
          const cp = await checkpointsOf(rig.t, [a, b]);
          return (cp.get(a) ?? 0) >= 2 && (cp.get(b) ?? 0) >= 2;
        },
        15_000,
        100,
      );
      return { sim, account, journalDir, d1, a, b };
    }

    it('bills a callback that ended while the daemon was down from its legs’ answers', async () => {
      const { sim, account, journalDir, d1, a, b } = await bridgedCallback('cbdown');
      await d1.kill9();
      const checkpoints = await checkpointsOf(rig.t, [a, b]);
      await until('the websocket gone', () => !sim.appConnected('astbill'), 5_000);
      // Both parties hang up with nobody listening.
      sim.hangupCaller(b);
      sim.hangupCaller(a);
      await until('both legs gone', () => sim.ended(a) && sim.ended(b), 5_000);
      const talked = (id: string) =>
        Math.floor((sim.ended(id)!.endedAt - sim.ended(id)!.answeredAt!) / 1000);

      const d2 = await spawnDaemon({ tdb, sim, node: 'cbdown', env, journalDir });
      await until(
        'both legs settled',
        async () => (await rig.t.store.reservations()).every((r) => r.accountId !== account.id),
        15_000,
        100,
      );
      for (const id of [a, b]) {
        const cdr = (await rig.t.store.cdr(id))!;
        assert.equal(cdr.disposition, 'ANSWERED', `${id}: ${cdr.note}`);
        assert.match(cdr.note ?? '', /reconciled/);
        assert.ok(
          // The end was not seen: billed at least what was proven (the checkpoint), never more
          // than was talked (how long after the checkpoint the parties hung up is not proven).
          cdr.billsec >= checkpoints.get(id)! && cdr.billsec <= Math.min(talked(id), MAX),
          `${id}: billsec ${cdr.billsec} within [checkpoint ${checkpoints.get(id)}, min(talk ${talked(id)}, ${MAX})]`,
        );
        assert.equal(cdr.cost, callCost(rate, cdr.billsec));
        assert.ok(cdr.cost > 0n);
      }
      await assertBooks(rig.t, [account]);
      await until('nothing left in Asterisk', () => leftInAsterisk(sim, d2).length === 0, 5_000);
      await d2.stop();
    });

    it('resumes a callback still up at the restart as one two-leg call, billed to its real end', async () => {
      const { sim, account, journalDir, d1, a, b } = await bridgedCallback('cbup');
      await d1.kill9();
      await until('the websocket gone', () => !sim.appConnected('astbill'), 5_000);
      const d2 = await spawnDaemon({ tdb, sim, node: 'cbup', env, journalDir });
      await until(
        'the callback resumed',
        () => d2.logged(/supervision of both legs resumed/).length > 0,
        10_000,
      );
      assert.equal(d2.logged(/call survived the daemon/).length, 0, 'no leg adopted on its own');
      // TIMEOUT(absolute) on both legs: one common end, within each leg's grant.
      await until('TIMEOUT set again on both legs', () => {
        const [da, db] = [a, b].map((id) => sim.channel(id)?.absoluteDeadline);
        return da !== undefined && db !== undefined && Math.abs(da - db) < 100;
      });
      for (const id of [a, b]) {
        const grant = (await rig.t.store.cdr(id))!.maxSeconds!;
        assert.ok(
          sim.channel(id)!.absoluteDeadline! <= sim.channel(id)!.answeredAt! + grant * 1000,
          `${id}: never past its grant`,
        );
      }
      // B hangs up after the restart: the resumed session hears it and ends A too.
      sim.hangupCaller(b);
      await until(
        'both legs settled',
        async () => (await rig.t.store.reservations()).every((r) => r.accountId !== account.id),
        10_000,
        50,
      );
      assert.equal(sim.ended(a)?.hungUpBy, 'app', 'astbill hung up A when B left');
      for (const id of [a, b]) {
        const cdr = (await rig.t.store.cdr(id))!;
        const ch = sim.ended(id)!;
        const talked = (ch.endedAt - ch.answeredAt!) / 1000;
        assert.equal(cdr.disposition, 'ANSWERED');
        assert.doesNotMatch(cdr.note ?? '', /reconciled/);
        assert.ok(
          cdr.billsec >= Math.floor(talked) - 1 && cdr.billsec <= Math.ceil(talked),
          `${id}: billsec ${cdr.billsec}, talked ${talked} s (grant ${MAX})`,
        );
        assert.equal(cdr.cost, callCost(rate, cdr.billsec));
      }
      await assertBooks(rig.t, [account]);
      await until('nothing left in Asterisk', () => leftInAsterisk(sim, d2).length === 0, 5_000);
      await d2.stop();
    });

    // Last in this file: once trunks exist every call here is routed.
    it('resumes a callback whose leg B failed over to a further trunk, on the channel it talks on', async () => {
      const sim = rig.sims[0]!;
      for (const [name, tech] of [
        ['cb-first', '81'],
        ['cb-second', '82'],
      ] as const) {
        await rig.t.store.addTrunk({
          name,
          dial: `PJSIP/{number}@${name}`,
          stripDigits: 0,
          techPrefix: tech,
          maxChannels: null,
          enabled: true,
        });
        await rig.t.store.upsertBuyRates(name, [
          { ...rate, tariff: '', prefix: '44', ratePerMin: tech === '81' ? 1000n : 2000n },
        ]);
      }
      sim.setRules([
        { prefix: '814422', action: 'congestion' },
        { prefix: '', action: 'answer' },
      ]);
      const account = await rig.t.seedAccount({ balance: '50' });
      const journalDir = journalDirFor();
      await until('no daemon connected', () => !sim.appConnected('astbill'), 5_000);
      const d1 = await spawnDaemon({ tdb, sim, node: 'cbfail', env, journalDir });
      const cb = await postCallback(d1, { account: account.name, a: '4411', b: '4422' });
      const { a, b } = cb.legs;
      const bTalk = await until('B bridged with A on the second trunk', () =>
        sim
          .liveChannels()
          .find(
            (c) =>
              c.id !== b &&
              c.name.startsWith('PJSIP/cb-second-') &&
              sim.bridges().some((x) => x.channels.includes(a) && x.channels.includes(c.id)),
          ),
      );
      await until('A answered in the database', async () => (await rig.t.store.cdr(a))?.answer);
      await until('B answered in the database', async () => (await rig.t.store.cdr(b))?.answer);
      await d1.kill9();
      await until('the websocket gone', () => !sim.appConnected('astbill'), 5_000);
      const d2 = await spawnDaemon({ tdb, sim, node: 'cbfail', env, journalDir });
      await until(
        'the callback resumed',
        () => d2.logged(/supervision of both legs resumed/).length > 0,
        10_000,
      );
      assert.ok(sim.channel(bTalk.id), "B's talking channel is not hung up as a leftover");
      sim.hangupCaller(bTalk.id);
      await until(
        'both legs settled',
        async () => (await rig.t.store.reservations()).every((r) => r.accountId !== account.id),
        10_000,
        50,
      );
      assert.equal(sim.ended(a)?.hungUpBy, 'app', 'astbill hung up A when B left');
      const cdrB = (await rig.t.store.cdr(b))!;
      const ch = sim.ended(bTalk.id)!;
      const talked = (ch.endedAt - ch.answeredAt!) / 1000;
      assert.equal(cdrB.disposition, 'ANSWERED');
      assert.doesNotMatch(cdrB.note ?? '', /reconciled/);
      assert.ok(cdrB.billsec >= Math.floor(talked) - 1 && cdrB.billsec <= Math.ceil(talked));
      assert.equal(cdrB.trunk, 'cb-second');
      assert.equal((await rig.t.store.cdr(a))!.trunk, 'cb-first');
      await assertBooks(rig.t, [account]);
      sim.setRules([{ prefix: '', action: 'answer' }]);
      await d2.stop();
    });
  });
});

/**
 * The HTTP API and the metrics as `astbill start` runs them: beside the real daemon, over real
 * HTTP, with calls going through the simulator. An operator's hang-up goes through the one kill
 * path and the call is settled for the time talked; /metrics counts what the calls did.
 */
import assert from 'node:assert/strict';
import { Metrics } from '../../daemon/src/api/metrics.js';
import { forEachDatabase } from '../support/db.js';
import { parseExposition } from '../api/exposition.js';
import { PublishedContract } from '../api/conformance.js';
import { driveUntil, quiet, settledCdr, startE2e, talking, waitFor, type E2e } from './harness.js';

const TOKEN = 'e2e-token-0123456789abcdef';

describe('the operator API beside the running daemon', function () {
  this.timeout(30_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    let base: string;
    const api = async (
      method: string,
      path: string,
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a response body of any shape
    ): Promise<{ status: number; json: any; text: string }> => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      // Every answer of the running daemon must match the document it publishes.
      contract ??= new PublishedContract(
        (await (
          await fetch(`${base}/openapi.json`, { headers: { authorization: `Bearer ${TOKEN}` } })
        ).json()) as ConstructorParameters<typeof PublishedContract>[0],
      );
      const type = res.headers.get('content-type') ?? '';
      const problem = contract.problem(method, path, res.status, type, json);
      if (problem) throw new Error(`answer differs from /openapi.json: ${problem}`);
      return { status: res.status, json, text };
    };
    let contract: PublishedContract | undefined;
    const counter = async (name: string, labels: Record<string, string> = {}): Promise<number> => {
      const { text } = await api('GET', '/metrics');
      const hits = parseExposition(text).samples.filter(
        (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
      );
      return hits.reduce((sum, s) => sum + s.value, 0);
    };

    before(async () => {
      e = await startE2e(tdb, {
        env: { ASTBILL_API_PORT: '0', ASTBILL_API_TOKEN: TOKEN },
        deps: { metrics: new Metrics({ processMetrics: false }) },
      });
      await e.t.seedRate({ prefix: '44', rate: '0.06', connect: '0', initial: 1, increment: 1 });
      const addr = e.daemon.apiAddress;
      assert.ok(addr, 'the API listens when ASTBILL_API_PORT is set');
      base = `http://127.0.0.1:${addr.port}`;
    });
    after(async () => e?.close());

    it('answers /health with ARI connected and the database reachable, and 401 without the token', async () => {
      const h = await api('GET', '/health');
      assert.equal(h.status, 200);
      assert.equal(h.json.ari.connected, true);
      assert.equal(h.json.database.reachable, true);
      assert.equal(h.json.node, 'e2e');
      assert.equal((await fetch(`${base}/health`)).status, 401);
    });

    it('lists a live call with its session state and grant, and ends it on POST /calls/{uniqueid}/hangup through the kill path', async () => {
      const acct = await e.t.seedAccount({ balance: '3' });
      const call = e.sim.placeCall({
        exten: '4420100',
        accountcode: acct.name,
        callerId: '5550100',
      });
      const A = call.channelId;
      await waitFor('talking', () => talking(e, A));
      e.advance(42_000);

      const listed = await api('GET', '/calls');
      assert.equal(listed.status, 200);
      const mine = listed.json.calls.find((c: { id: string }) => c.id === A);
      assert.ok(mine, `the call is listed: ${JSON.stringify(listed.json.calls)}`);
      assert.equal(mine.state, 'talking');
      assert.equal(mine.account, acct.name);
      assert.equal(mine.destination, '4420100', 'from the session (not in the reservation row)');
      assert.equal(mine.callerNumber, '5550100');
      assert.equal(typeof mine.maxSeconds, 'number');

      const hung = await api('POST', `/calls/${encodeURIComponent(A)}/hangup`);
      assert.equal(hung.status, 202);
      assert.deepEqual(hung.json, { id: A, hangup: 'requested' });
      const cdr = await settledCdr(e, A);
      assert.equal(cdr.disposition, 'ANSWERED');
      assert.equal(cdr.billsec, 42, 'settled for the time talked');
      assert.equal(cdr.note, 'ended by astbill: operator');
      assert.equal(e.sim.ended(A)?.hungUpBy, 'app');
      await quiet(e);
    });

    it('ends a call by its A channel id too, before it is answered, and answers 404 for a call it does not have', async () => {
      e.sim.setRules([{ prefix: '44', action: 'noanswer' }]);
      const acct = await e.t.seedAccount({ balance: '3' });
      const call = e.sim.placeCall({ exten: '4420101', accountcode: acct.name });
      await waitFor('ringing', () => e.sim.liveChannels().some((c) => c.kind === 'outbound'));
      const hung = await api('POST', `/calls/${encodeURIComponent(call.channelId)}/hangup`);
      assert.equal(hung.status, 202);
      const cdr = await settledCdr(e, call.channelId);
      assert.equal(cdr.disposition, 'CANCEL');
      assert.equal(cdr.cost, 0n);
      await quiet(e);
      assert.equal((await api('POST', '/calls/no-such-call/hangup')).status, 404);
      e.sim.setRules([{ prefix: '', action: 'answer' }]);
    });

    it('counts calls by outcome, refusals included, and times the authorise transaction', async () => {
      const before = {
        answered: await counter('astbill_calls_total', { outcome: 'ANSWERED' }),
        noroute: await counter('astbill_calls_total', { outcome: 'NOROUTE' }),
        authorise: await counter('astbill_authorise_duration_seconds_count'),
        reconnects: await counter('astbill_ari_reconnects_total'),
      };
      e.sim.setRules([{ prefix: '44', action: 'answer', hangupAfterMs: 5_000 }]);
      const acct = await e.t.seedAccount({ balance: '3' });
      const ok = e.sim.placeCall({ exten: '4420102', accountcode: acct.name });
      await waitFor('talking', () => talking(e, ok.channelId));
      e.advance(5_000);
      await settledCdr(e, ok.channelId);
      const refused = e.sim.placeCall({ exten: '999123', accountcode: acct.name });
      assert.equal((await settledCdr(e, refused.channelId)).reason, 'NOROUTE');
      await driveUntil(
        e,
        'the refused call to end',
        () => e.sim.ended(refused.channelId) !== undefined,
      );
      await quiet(e);

      assert.equal(
        await counter('astbill_calls_total', { outcome: 'ANSWERED' }),
        before.answered + 1,
      );
      assert.equal(
        await counter('astbill_calls_total', { outcome: 'NOROUTE' }),
        before.noroute + 1,
      );
      assert.equal(
        await counter('astbill_authorise_duration_seconds_count'),
        before.authorise + 1,
        'one authorise (the refusal never reached it)',
      );
      assert.equal(await counter('astbill_live_calls'), 0);

      e.sim.dropWebsockets('astbill');
      await waitFor('the app to be disconnected', () => !e.sim.appConnected('astbill'));
      await waitFor('the daemon to reconnect', () => e.sim.appConnected('astbill'), 10_000);
      await waitFor(
        'the reconnect to be counted',
        async () => (await counter('astbill_ari_reconnects_total')) === before.reconnects + 1,
      );
    });

    it('shows a live call in the live-calls gauge while it talks', async () => {
      e.sim.setRules([{ prefix: '44', action: 'answer', hangupAfterMs: 8_000 }]);
      const acct = await e.t.seedAccount({ balance: '3' });
      const call = e.sim.placeCall({ exten: '4420103', accountcode: acct.name });
      await waitFor('talking', () => talking(e, call.channelId));
      assert.equal(await counter('astbill_live_calls'), 1);
      assert.ok((await counter('astbill_reserved_money_minor_units')) > 0);
      await driveUntil(
        e,
        'the far end to hang up',
        async () => (await e.t.store.cdr(call.channelId))?.status === 'settled',
        { stepMs: 1_000 },
      );
      await quiet(e);
    });
  });
});

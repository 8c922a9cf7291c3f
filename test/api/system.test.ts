import assert from 'node:assert/strict';
import type { Rate } from '../../daemon/src/rating/index.js';
import { buildRoutes } from '../../daemon/src/api/routes/index.js';
import type { ApiDeps } from '../../daemon/src/api/deps.js';
import { forEachDatabase } from '../support/db.js';
import { NODE, TOKEN, startHarness, type Harness } from './harness.js';
import { answeredCall, liveCall, refusedCall } from './seed-calls.js';
import { parseExposition, sample } from './exposition.js';

describe('API /health, /metrics and /openapi.json', () => {
  forEachDatabase((tdb) => {
    let h: Harness;
    let rate: Rate;
    before(async () => {
      h = await startHarness(tdb);
      rate = await h.t.seedRate({
        tariff: 'default',
        prefix: '44',
        rate: '0.05',
        connect: '0.10',
        initial: 60,
        increment: 6,
      });
    });
    after(async () => h.close());

    describe('GET /health', () => {
      afterEach(() => {
        h.fake.ariConnected = true;
        h.fake.journalBacklog = 0;
      });

      it('is ok (200) with ARI connected, the database reachable and an empty journal', async () => {
        const r = await h.req('GET', '/health');
        assert.equal(r.status, 200);
        assert.deepEqual(r.json, {
          status: 'ok',
          node: NODE,
          ari: { connected: true },
          database: { reachable: true, dialect: tdb.kind },
          journal: { backlog: 0 },
        });
      });

      it('is degraded (still 200) while settlements wait in the journal', async () => {
        h.fake.journalBacklog = 3;
        const r = await h.req('GET', '/health');
        assert.equal(r.status, 200);
        assert.equal(r.json.status, 'degraded');
        assert.equal(r.json.journal.backlog, 3);
      });

      it('is down (503) while ARI is disconnected', async () => {
        h.fake.ariConnected = false;
        const r = await h.req('GET', '/health');
        assert.equal(r.status, 503);
        assert.equal(r.json.status, 'down');
        assert.equal(r.json.ari.connected, false);
      });
    });

    describe('GET /metrics', () => {
      before(async () => {
        const a = await h.t.seedAccount({ balance: '10' });
        await answeredCall(h.t.store, {
          accountId: a.id,
          rate,
          dst: '447700900001',
          start: new Date('2030-05-01T10:00:00Z'),
          billsec: 30,
        });
        await refusedCall(h.t.store, {
          accountId: a.id,
          dst: '999',
          start: new Date('2030-05-01T10:01:00Z'),
          reason: 'NOROUTE',
        });
        await liveCall(h.t.store, {
          accountId: a.id,
          rate,
          dst: '447700900002',
          start: new Date('2030-05-01T10:02:00Z'),
        });
        await liveCall(h.t.store, {
          accountId: a.id,
          rate,
          dst: '447700900003',
          start: new Date('2030-05-01T10:02:00Z'),
          node: 'node2',
        });
        h.metrics.callFinished('ANSWERED');
        h.metrics.callFinished('ANSWERED');
        h.metrics.callFinished('NOROUTE');
        h.metrics.callFinished('NO ANSWER');
        h.metrics.observeAuthorise(0.003);
        h.metrics.observeAuthorise(0.2);
        h.metrics.settlementFailed();
        h.metrics.ariReconnected();
        h.fake.journalBacklog = 2;
        h.fake.journalOldest = new Date(Date.now() - 90_000);
      });
      after(() => {
        h.fake.journalBacklog = 0;
        h.fake.journalOldest = null;
      });

      it('serves the Prometheus text format, which parses', async () => {
        const r = await h.req('GET', '/metrics');
        assert.equal(r.status, 200);
        assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
        const m = parseExposition(r.text);
        for (const name of [
          'astbill_calls_total',
          'astbill_live_calls',
          'astbill_reserved_money_minor_units',
          'astbill_authorise_duration_seconds',
          'astbill_settlement_failures_total',
          'astbill_journal_backlog',
          'astbill_ari_reconnects_total',
        ]) {
          assert.ok(m.types.has(name), `${name} has a TYPE line`);
          assert.ok(m.help.has(name), `${name} has a HELP line`);
        }
        assert.equal(m.types.get('astbill_calls_total'), 'counter');
        assert.equal(m.types.get('astbill_authorise_duration_seconds'), 'histogram');
        assert.equal(m.types.get('astbill_live_calls'), 'gauge');
      });

      it('counts calls by outcome, every outcome present from the start', async () => {
        const m = parseExposition((await h.req('GET', '/metrics')).text);
        assert.equal(sample(m, 'astbill_calls_total', { outcome: 'ANSWERED' }), 2);
        assert.equal(sample(m, 'astbill_calls_total', { outcome: 'NOROUTE' }), 1);
        assert.equal(sample(m, 'astbill_calls_total', { outcome: 'NO ANSWER' }), 1);
        assert.equal(sample(m, 'astbill_calls_total', { outcome: 'NOCREDIT' }), 0);
      });

      it('reports this node’s live calls and reserved money from the database, exactly', async () => {
        const m = parseExposition((await h.req('GET', '/metrics')).text);
        assert.equal(sample(m, 'astbill_live_calls', {}), 1);
        const reserved = (await h.t.store.reservations(NODE)).reduce((s, x) => s + x.maxCost, 0n);
        assert.equal(sample(m, 'astbill_reserved_money_minor_units', {}), Number(reserved));
        assert.ok(reserved > 0n);
      });

      it('has the authorise latency histogram, failures, backlog and reconnects', async () => {
        const m = parseExposition((await h.req('GET', '/metrics')).text);
        assert.equal(sample(m, 'astbill_authorise_duration_seconds_count', {}), 2);
        assert.equal(sample(m, 'astbill_authorise_duration_seconds_bucket', { le: '0.005' }), 1);
        assert.equal(sample(m, 'astbill_authorise_duration_seconds_bucket', { le: '+Inf' }), 2);
        assert.equal(sample(m, 'astbill_settlement_failures_total', {}), 1);
        assert.equal(sample(m, 'astbill_journal_backlog', {}), 2);
        assert.equal(sample(m, 'astbill_ari_reconnects_total', {}), 1);
        const age = sample(m, 'astbill_journal_oldest_age_seconds', {});
        assert.ok(age >= 90 && age < 120, `oldest journal record ${age} s old`);
      });

      it('shows the same backlog, its oldest record and the concurrent calls on the dashboard', async () => {
        const d = (await h.req('GET', '/dashboard')).json;
        assert.deepEqual(d.health, {
          ari: true,
          database: true,
          journalBacklog: 2,
          journalOldest: h.fake.journalOldest!.toISOString(),
        });
        assert.equal(d.liveCalls, 2, 'both nodes');
        assert.equal(d.concurrentCalls.length, 60);
        assert.equal(d.concurrentCalls.at(-1), 2, 'this minute saw both live calls');
      });
    });

    describe('GET /openapi.json', () => {
      it('describes every route of the router’s table, with the bearer scheme', async () => {
        const r = await h.req('GET', '/openapi.json');
        assert.equal(r.status, 200);
        const doc = r.json;
        assert.equal(doc.openapi, '3.0.3');
        assert.deepEqual(doc.components.securitySchemes.bearerAuth, {
          type: 'http',
          scheme: 'bearer',
        });
        const routes = buildRoutes({} as ApiDeps);
        const documented = Object.entries(
          doc.paths as Record<string, Record<string, unknown>>,
        ).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
        assert.deepEqual(documented.sort(), routes.map((x) => `${x.method} ${x.path}`).sort());
        const ids = routes.map((x) => x.operationId);
        assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
      });

      it('documents path parameters, query parameters, bodies and the error shape', async () => {
        const doc = (await h.req('GET', '/openapi.json')).json;
        const topup = doc.paths['/accounts/{name}/topup'].post;
        assert.deepEqual(
          topup.parameters.map((p: { name: string; in: string; required: boolean }) => [
            p.name,
            p.in,
            p.required,
          ]),
          [['name', 'path', true]],
        );
        assert.deepEqual(topup.requestBody.content['application/json'].schema.required, ['amount']);
        assert.equal(
          topup.requestBody.content['application/json'].schema.properties.amount.type,
          'string',
        );
        assert.equal(
          topup.responses['401'].content['application/json'].schema.$ref,
          '#/components/schemas/Error',
        );
        const cdrs = doc.paths['/cdrs'].get;
        assert.deepEqual(
          cdrs.parameters.map((p: { name: string }) => p.name),
          ['account', 'since', 'until', 'format', 'limit'],
        );
        assert.deepEqual(
          cdrs.parameters.find((p: { name: string }) => p.name === 'format').schema.enum,
          ['json', 'csv'],
        );
      });

      it('only references schemas it defines and never leaves an empty required list', async () => {
        const doc = (await h.req('GET', '/openapi.json')).json;
        const problems: string[] = [];
        const walk = (node: unknown, path: string): void => {
          if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}[${i}]`));
          if (typeof node !== 'object' || node === null) return;
          for (const [k, v] of Object.entries(node)) {
            if (
              k === '$ref' &&
              typeof v === 'string' &&
              !(v.replace('#/components/schemas/', '') in doc.components.schemas)
            )
              problems.push(`${path}: ${v}`);
            if (k === 'required' && Array.isArray(v) && v.length === 0)
              problems.push(`${path}: empty required`);
            walk(v, `${path}.${k}`);
          }
        };
        walk(doc, '');
        assert.deepEqual(problems, []);
      });
    });

    describe('unknown routes', () => {
      it('answer 404 with a JSON error', async () => {
        const r = await h.req('GET', '/nope');
        assert.equal(r.status, 404);
        assert.equal(r.json.error, 'no such endpoint: GET /nope');
      });
    });

    describe('GET /console/events and GET /events', () => {
      it('streams console snapshots under /console/events; /events is the outbox list', async () => {
        const ctl = new AbortController();
        const r = await fetch(`${h.base}/console/events`, {
          headers: { authorization: `Bearer ${TOKEN}` },
          signal: ctl.signal,
        });
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('content-type'), 'text/event-stream');
        const reader = r.body!.getReader();
        let text = '';
        while (!text.includes('event: snapshot')) {
          const chunk = await reader.read();
          assert.ok(!chunk.done, `the stream ended before a snapshot: ${text}`);
          text += new TextDecoder().decode(chunk.value);
        }
        ctl.abort();
        const list = await h.req('GET', '/events');
        assert.equal(list.status, 200, list.text);
        assert.ok(Array.isArray(list.json.events), list.text);
      });
    });
  });
});

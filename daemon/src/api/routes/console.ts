/**
 * What the console needs beyond the resource routes: the dashboard numbers (GET /dashboard),
 * the same pushed as server-sent events with the live calls (GET /console/events; GET /events is
 * the notification outbox), and a rate CSV import
 * that previews every bad line before anything is written (POST /rates/import).
 */
import type { ServerResponse } from 'node:http';
import { parseRateDeck } from '../../rate-deck.js';
import { Type } from '../../schema/index.js';
import { dashboard, dashboardSchema } from '../dashboard.js';
import type { ApiDeps } from '../deps.js';
import { presentCall, presentRate, rateSchema } from '../present.js';
import type { Principal } from '../principal.js';
import { defineRoute, type Route } from '../route.js';

/** How often GET /console/events pushes a snapshot. */
export const EVENT_INTERVAL_MS = 2000;

async function liveCalls(deps: ApiDeps) {
  const reservations = await deps.store.reservations();
  const live = new Map((deps.liveCalls?.liveCalls() ?? []).map((c) => [c.id, c]));
  const calls = reservations.map((r) =>
    presentCall(r, r.node === deps.node ? live.get(r.uniqueid) : undefined, deps.node),
  );
  const reserved = new Set(reservations.map((r) => r.uniqueid));
  for (const c of live.values())
    if (!reserved.has(c.id)) calls.push(presentCall(undefined, c, deps.node));
  return calls;
}

/**
 * Whether the credential that opened a stream still works: a stream outlives its request, so a
 * logout, an expired session or a disabled operator must end it too (checked at every push).
 */
async function stillValid(deps: ApiDeps, p: Principal): Promise<boolean> {
  if (p.via === 'cookie' && p.cookie)
    return (await deps.operators?.session(p.cookie)) !== undefined;
  return true;
}

function pushEvents(deps: ApiDeps, res: ServerResponse, principal: Principal): void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const push = async () => {
    try {
      if (!(await stillValid(deps, principal))) {
        stopped = true;
        res.end('event: ended\ndata: {"reason":"the session ended: log in again"}\n\n');
        return;
      }
      const data = { dashboard: await dashboard(deps), calls: await liveCalls(deps) };
      if (!stopped) res.write(`event: snapshot\ndata: ${JSON.stringify(data)}\n\n`);
    } catch (err) {
      if (!stopped)
        res.write(`event: problem\ndata: ${JSON.stringify({ error: String(err) })}\n\n`);
    }
    if (!stopped) timer = setTimeout(() => void push(), EVENT_INTERVAL_MS);
  };
  res.on('close', () => {
    stopped = true;
    clearTimeout(timer);
  });
  res.write('retry: 3000\n\n');
  void push();
}

export function consoleRoutes(deps: ApiDeps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/dashboard',
      operationId: 'getDashboard',
      summary: 'Live calls, calls per minute, ASR/ACD and revenue today, reserved money, health',
      tag: 'console',
      responses: { 200: { description: 'the numbers now', schema: dashboardSchema } },
      async handler() {
        return { json: await dashboard(deps) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/console/events',
      operationId: 'streamEvents',
      summary: `Server-sent events: a 'snapshot' every ${EVENT_INTERVAL_MS / 1000} s with {dashboard, calls}; 'ended' when the session ends`,
      tag: 'console',
      responses: {
        200: { description: 'an event stream', contentType: 'text/event-stream' },
      },
      async handler({ principal }) {
        return {
          contentType: 'text/event-stream',
          headers: { 'x-accel-buffering': 'no' },
          stream: (res) => pushEvents(deps, res, principal),
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/rates/import',
      operationId: 'importRates',
      summary:
        'Import a rate CSV: every bad line is listed and nothing is written unless all are good',
      description:
        'The CSV of `astbill rate import` (header tariff,prefix,description,rate_per_min,connect_fee,initial_secs,increment_secs,min_secs). With commit=false (a preview) nothing is written either way.',
      tag: 'rates',
      body: Type.Object(
        {
          csv: Type.String({ maxLength: 900_000 }),
          commit: Type.Boolean({ description: 'write when every line is good' }),
        },
        { additionalProperties: false },
      ),
      responses: {
        200: {
          description: 'the parsed rates and the problems; written says whether they were stored',
          schema: Type.Object(
            {
              problems: Type.Array(Type.String({ description: "'line N: what is wrong'" })),
              rates: Type.Array(rateSchema),
              written: Type.Boolean(),
              inserted: Type.Integer(),
              updated: Type.Integer(),
            },
            { additionalProperties: false },
          ),
        },
      },
      async handler({ body, principal }) {
        const { rates, problems } = parseRateDeck(body.csv);
        let result = { inserted: 0, updated: 0 };
        const write = body.commit && problems.length === 0;
        if (write) result = await deps.store.upsertRates(rates, principal.actor);
        return {
          json: {
            problems,
            rates: rates.slice(0, 1000).map(presentRate),
            written: write,
            ...result,
          },
        };
      },
    }),
  ];
}

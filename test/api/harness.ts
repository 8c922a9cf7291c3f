/**
 * Starts the real API server (node:http on a free loopback port) over a test database, with
 * fakes for the daemon's parts (ARI status, journal, kill path, live calls), and talks to it
 * with fetch over real HTTP. Every answer is checked against the OpenAPI document the server
 * publishes (conformance.ts): a test fails when an answer differs from what the document says.
 */
import { ApiServer } from '../../daemon/src/api/server.js';
import { Metrics } from '../../daemon/src/api/metrics.js';
import { dbGaugeSources } from '../../daemon/src/api/index.js';
import type { LiveCallInfo } from '../../daemon/src/api/ports.js';
import type { ApiDeps } from '../../daemon/src/api/deps.js';
import type { TestDatabase, TestStore } from '../support/db.js';
import { OperatorStore } from '../../daemon/src/store/operators/index.js';
import { PublishedContract } from './conformance.js';

export const TOKEN = 'test-token-0123456789abcdef';
export const NODE = 'node1';

export interface Harness {
  t: TestStore;
  api: ApiServer;
  base: string;
  metrics: Metrics;
  /** Mutable fakes the routes read. */
  fake: {
    ariConnected: boolean;
    journalBacklog: number;
    journalOldest: Date | null;
    live: LiveCallInfo[];
    hungUp: string[];
    knownCalls: Set<string>;
  };
  req(
    method: string,
    path: string,
    opts?: {
      body?: unknown;
      raw?: string;
      token?: string | null;
      headers?: Record<string, string>;
    },
  ): Promise<Reply>;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body (undefined when the body is not JSON); tests read fields of any response. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a response body of any shape
  json: any;
}

export async function startHarness(
  tdb: TestDatabase,
  extra: Pick<ApiDeps, 'payments'> = {},
): Promise<Harness> {
  const t = await tdb.open();
  const fake = {
    ariConnected: true,
    journalBacklog: 0,
    journalOldest: null as Date | null,
    live: [] as LiveCallInfo[],
    hungUp: [] as string[],
    knownCalls: new Set<string>(),
  };
  const metrics = new Metrics({ processMetrics: false });
  metrics.setSources({
    ...dbGaugeSources(t.store, NODE, () => fake.journalBacklog),
    journalOldest: () => fake.journalOldest,
  });
  const api = new ApiServer(
    { port: 0, host: '127.0.0.1', token: TOKEN },
    {
      store: t.store,
      node: NODE,
      metrics,
      status: {
        ariConnected: () => fake.ariConnected,
        journalBacklog: () => fake.journalBacklog,
        journalOldest: () => fake.journalOldest,
      },
      hangup: async (id) => {
        if (!fake.knownCalls.has(id)) return false;
        fake.hungUp.push(id);
        return true;
      },
      liveCalls: { liveCalls: () => fake.live },
      operators: new OperatorStore(t.db),
      ...extra,
    },
  );
  await api.start();
  const { port } = api.address();
  const base = `http://127.0.0.1:${port}`;
  const req: Harness['req'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? TOKEN : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(base + path, { method, headers, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const problem = (await published()).problem(
      method,
      path,
      res.status,
      res.headers.get('content-type') ?? '',
      json,
    );
    if (problem) throw new Error(`answer differs from /openapi.json: ${problem}`);
    return { status: res.status, headers: res.headers, text, json };
  };
  let contract: PublishedContract | undefined;
  const published = async () => {
    if (!contract) {
      const res = await fetch(`${base}/openapi.json`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      contract = new PublishedContract(
        (await res.json()) as ConstructorParameters<typeof PublishedContract>[0],
      );
    }
    return contract;
  };
  return {
    t,
    api,
    base,
    metrics,
    fake,
    req,
    close: async () => {
      await api.close();
    },
  };
}

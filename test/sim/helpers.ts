/** Shared test plumbing: a simulator on a manual clock with an ari-client connected to it. */
import client from 'ari-client';
import type { Client } from 'ari-client';
import { AriSimulator, type SimulatorOptions } from '../../daemon/src/sim/index.js';

/** The far ends of the recordings' test dialplan (pstn-sim), as a rules table. */
export const RECORDED_PSTN_RULES = [
  { prefix: '1', action: 'answer' as const },
  // Answer, Wait(5), Hangup: the hangup comes 5.5 s after the answer (Answer() settles 0.5 s).
  { prefix: '2', action: 'answer' as const, hangupAfterMs: 5500 },
  { prefix: '3', action: 'busy' as const },
  { prefix: '4', action: 'noanswer' as const },
  { prefix: '5', action: 'congestion' as const },
];

export interface Rig {
  sim: AriSimulator;
  ari: Client;
  close(): Promise<void>;
}

export async function startRig(opts: SimulatorOptions = {}, app = 'astbill'): Promise<Rig> {
  const sim = await AriSimulator.start({ clock: 'manual', rules: RECORDED_PSTN_RULES, ...opts });
  const ari = await client.connect(sim.url, sim.username, sim.password);
  await ari.start(app);
  await sim.waitUntil(() => sim.appConnected(app));
  return {
    sim,
    ari,
    async close() {
      ari.stop();
      await sim.close();
    },
  };
}

/** Raw HTTP against the simulator, for what ari-client cannot express (bodies, repeated params, bad auth). */
export async function raw(
  sim: AriSimulator,
  method: string,
  path: string,
  opts: { body?: unknown; auth?: string | null } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers: Record<string, string> = {};
  const auth = opts.auth === undefined ? `${sim.username}:${sim.password}` : opts.auth;
  if (auth !== null) headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
    headers: res.headers,
  };
}

/**
 * `fn` over `items`, at most `limit` at once, results in order. Load tests go through this so that
 * a few keep-alive connections carry the requests instead of thousands of sockets opened at once.
 */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

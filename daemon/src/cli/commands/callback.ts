/**
 * `astbill callback --account N [--pin P] --a NUMBER --b NUMBER [--json]`: asks the RUNNING
 * daemon to place a callback call (leg A first, then B; both charged) through its HTTP API
 * (POST /callbacks). The daemon must own the call: only it holds the ARI connection, the call's
 * events and its timers, so the CLI does not dial anything itself. Reaches the API at
 * ASTBILL_API_URL, else http://ASTBILL_API_HOST:ASTBILL_API_PORT, with ASTBILL_API_TOKEN
 * (the same settings `astbill start` uses, so it works on the daemon's machine unchanged).
 */
import { loadConfig, type Config } from '../../config.js';
import { noArguments, parse, required } from '../args.js';
import { UsageError } from '../command.js';
import { json, out } from '../format.js';

export const summary =
  'place a callback call (A, then B; both legs charged) through the running daemon';

export const usage = `usage: astbill callback --account NAME [--pin PIN] --a NUMBER --b NUMBER [--json]
  the account's PIN is required when it has one; without a PIN the API token alone authorises`;

/** The daemon API's base URL: ASTBILL_API_URL, else http://ASTBILL_API_HOST:ASTBILL_API_PORT. */
export function apiBase(api: Config['api']): string {
  if (api.url) return api.url;
  if (api.port === null)
    throw new UsageError(
      'callback: the daemon API is not configured (set ASTBILL_API_URL, or ASTBILL_API_PORT as for `astbill start`)',
    );
  const host = api.host !== '0.0.0.0' ? api.host : '127.0.0.1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${api.port}`;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('callback', argv, {
    account: { type: 'string' },
    pin: { type: 'string' },
    a: { type: 'string' },
    b: { type: 'string' },
    json: { type: 'boolean' },
  });
  noArguments('callback', positionals);
  const body = {
    account: required('--account', values.account),
    ...(values.pin !== undefined ? { pin: values.pin } : {}),
    a: required('--a', values.a),
    b: required('--b', values.b),
  };
  for (const [k, v] of [
    ['--a', body.a],
    ['--b', body.b],
  ] as const)
    if (!/^\d{1,20}$/.test(v)) throw new UsageError(`callback: ${k} must be 1-20 digits`);
  const { api } = loadConfig();
  const token = api.token;
  if (!token) throw new UsageError('callback: set ASTBILL_API_TOKEN (the daemon API token)');
  const url = `${apiBase(api)}/callbacks`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    process.stderr.write(
      `astbill callback: cannot reach the daemon at ${url} (${err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err)}); is it running with ASTBILL_API_PORT?\n`,
    );
    return 1;
  }
  const payload = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status !== 202) {
    process.stderr.write(
      `astbill callback: refused (${res.status}): ${String(payload.error ?? res.statusText)}\n`,
    );
    return 1;
  }
  if (values.json) out(json(payload));
  else {
    const legs = payload.legs as { a: string; b: string };
    out(
      `callback ${String(payload.callbackId)} for ${String(payload.account)}: dialling ${body.a}, then ${body.b}; at most ${String(payload.maxSeconds)} s\n  leg A CDR ${legs.a}\n  leg B CDR ${legs.b}\n`,
    );
  }
  return 0;
}

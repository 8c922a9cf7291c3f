/**
 * `astbill console [--port N]`: the operator console and API on a database alone, without the
 * daemon, until SIGINT/SIGTERM. Operators log in with the accounts of `astbill user add`.
 */
import { loadConfig } from '../../config.js';
import { startStandaloneConsole } from '../../console/standalone.js';
import { openStore } from '../../store/index.js';
import { integer, noArguments, parse } from '../args.js';
import { out } from '../format.js';

export const summary = 'serve the operator console on a database alone (no daemon) [--port N]';

export const usage = `usage: astbill console [--port N]
  Serves the operator console at http://HOST:PORT/console/ and the HTTP API on the database of
  ASTBILL_DB, without the billing daemon (no ARI: calls cannot be hung up from here).
  --port N   default ASTBILL_API_PORT, else 8089; the host is ASTBILL_API_HOST (127.0.0.1)
  Runs until Ctrl-C. Log in as an operator added with 'astbill user add'.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('console', argv, { port: { type: 'string' } });
  noArguments('console', positionals);
  const config = loadConfig();
  const port =
    values.port !== undefined
      ? integer('--port', values.port, 0, 65_535)
      : (config.api.port ?? 8089);
  const { store, close } = await openStore(config.db, {
    pinSecret: config.pinSecret ?? undefined,
    pinMinLength: config.pinMinLength,
    mail: config.mail !== null,
  });
  const api = await startStandaloneConsole({
    store,
    port,
    host: config.api.host,
    token: config.api.token,
    node: config.node,
  });
  const { address, port: bound } = api.address();
  out(`astbill console: http://${address}:${bound}/console/ (database ${store.db.label})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await api.close();
  await close();
  return 0;
}

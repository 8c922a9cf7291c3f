/**
 * `astbill sim [--port N] [--host H] [--rules FILE]`: runs the ARI simulator on the real clock until
 * SIGINT/SIGTERM, so the daemon (or any ARI client) can be tried without an Asterisk.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { UsageError } from '../command.js';
import {
  AriSimulator,
  loadRulesFile,
  RulesError,
  DEFAULT_RULES,
  type FarEndRule,
} from '../../sim/index.js';

export const summary =
  'run the ARI simulator (a stand-in Asterisk 22) [--port 8088] [--rules FILE]';

export const usage = `usage: astbill sim [--port N] [--host ADDR] [--rules FILE]\n  ${summary}`;

export async function run(argv: string[]): Promise<number> {
  let values: { port?: string; host?: string; rules?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        rules: { type: 'string', short: 'r' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError(`sim: ${(err as Error).message.split('\n')[0]}`);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const port = values.port === undefined ? 8088 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0..65535, got '${values.port}'`);
  let rules: readonly FarEndRule[] = DEFAULT_RULES;
  if (values.rules !== undefined) {
    try {
      rules = loadRulesFile(values.rules);
    } catch (err) {
      if (err instanceof RulesError) throw new UsageError(err.message);
      throw err;
    }
  }
  // The same ARI user the daemon logs in as (ARI_USERNAME/ARI_PASSWORD).
  const { ari } = loadConfig();
  const sim = await AriSimulator.start({
    port,
    host: values.host ?? '127.0.0.1',
    username: ari.username,
    password: ari.password,
    clock: 'real',
    rules,
    recordEvents: false,
    historyLimit: 10_000,
  });
  process.stdout.write(
    `astbill sim: ARI on ${sim.url}/ari (user ${sim.username}), ${rules.length} far-end rule(s)\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sim.close();
  process.stdout.write('astbill sim: stopped\n');
  return 0;
}

/**
 * `astbill start`: runs the billing daemon until SIGINT/SIGTERM. An invalid setting stops it at
 * once with one line naming the setting (exit 2); an unreachable database with one line (exit 1).
 * Asterisk being down is not fatal: the daemon keeps trying to connect and logs why.
 */
import { ApiConfigError } from '../../api/index.js';
import { ConfigError, loadConfig } from '../../config.js';
import { Daemon } from '../../daemon.js';
import { createLogger } from '../../log.js';
import { errorText } from '../../error-text.js';

export const summary = 'run the billing daemon (ARI app) until SIGINT/SIGTERM';

export const usage =
  'usage: astbill start\n  settings come from the environment (ARI_URL, ASTBILL_DB, ASTBILL_DIAL, ...) or ASTBILL_CONFIG';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(`astbill start: unexpected argument '${argv[0]}'\n`);
    return 2;
  }
  let daemon: Daemon;
  try {
    const config = loadConfig();
    daemon = new Daemon(config, {
      logger: createLogger(config.logLevel, { format: config.logFormat }),
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`astbill: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  // One call's bug must never take the others down: log loudly and keep running.
  process.on('unhandledRejection', (reason) => {
    daemon.logger.error('unhandled promise rejection', {
      error: reason instanceof Error ? reason.stack : String(reason),
    });
  });
  process.on('uncaughtException', (err) => {
    daemon.logger.error('uncaught exception', { error: err.stack ?? err.message });
  });
  if (daemon.config.builtInSecrets.length > 0) {
    // Fine against the simulator; on a real PBX these must be the operator's own.
    daemon.logger.warn('running with built-in secrets: set your own for production', {
      settings: daemon.config.builtInSecrets,
    });
  }
  try {
    await daemon.start();
  } catch (err) {
    process.stderr.write(`astbill: ${errorText(err)}\n`);
    await daemon.close({ drainSeconds: 0 }).catch(() => undefined);
    // A setting found wrong only at start (API token, report schedule) is still a setting.
    return err instanceof ConfigError || err instanceof ApiConfigError ? 2 : 1;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  daemon.logger.info('signal received; stopping', { signal });
  await daemon.close();
  return 0;
}

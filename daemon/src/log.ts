/**
 * winston logger: JSON lines by default, a readable format on a TTY. Secrets are never passed
 * to it; as a second line of defence any `password`/`token`/`pin` field is masked.
 */
import winston from 'winston';

const SECRET_KEYS = /pass(word)?|token|secret|pin|authorization/i;

const maskSecrets = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_KEYS.test(key)) (info as Record<string, unknown>)[key] = '***';
  }
  return info;
});

export type Logger = winston.Logger;

/** `level` and `format` come from the configuration (ASTBILL_LOG_LEVEL, ASTBILL_LOG_FORMAT). */
export function createLogger(
  level = 'info',
  opts: { silent?: boolean; format?: 'auto' | 'json' } = {},
): Logger {
  const human = process.stdout.isTTY && opts.format !== 'json';
  return winston.createLogger({
    level,
    silent: opts.silent ?? false,
    format: winston.format.combine(
      maskSecrets(),
      winston.format.timestamp(),
      human
        ? winston.format.printf(({ timestamp, level: lvl, message, ...rest }) => {
            const extra = Object.keys(rest).length
              ? ' ' + JSON.stringify(rest, bigintReplacer)
              : '';
            return `${String(timestamp)} ${lvl} ${String(message)}${extra}`;
          })
        : winston.format.printf((info) => JSON.stringify(info, bigintReplacer)),
    ),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

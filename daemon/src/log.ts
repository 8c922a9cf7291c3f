/**
 * The daemon's logger: JSON lines by default, a readable format on a TTY. Secrets are never
 * passed to it; as a second line of defence any `password`/`token`/`pin` field is masked.
 *
 * Lines look as winston printed them (`{...child fields, ...fields, level, message, timestamp}`,
 * error and warn on stderr), but a call below the level costs one comparison and a child logger
 * is one small object: winston built, cloned and streamed every call's record even when its
 * level was off, and the call path logs at info for every call (issue #19). Any logger with
 * these methods (a winston one, in tests and the demo) can stand in for it.
 */

export type LogFields = Record<string, unknown>;
type LogMethod = (message: string, fields?: LogFields) => unknown;

export interface Logger {
  error: LogMethod;
  warn: LogMethod;
  info: LogMethod;
  debug: LogMethod;
  /** A logger that adds `fields` to each of its lines. */
  child(fields: LogFields): Logger;
}

const SECRET_KEYS = /pass(word)?|token|secret|pin|authorization/i;
/** winston's npm levels: a line is written when its rank is at most the logger's. */
const RANK: Record<string, number> = { error: 0, warn: 1, info: 2, http: 3, verbose: 4, debug: 5 };

interface Sink {
  rank: number;
  human: boolean;
}

class LineLogger implements Logger {
  constructor(
    private readonly sink: Sink,
    private readonly fields: LogFields | null,
  ) {}

  error(message: string, fields?: LogFields): void {
    if (this.sink.rank >= 0) this.write('error', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    if (this.sink.rank >= 1) this.write('warn', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    if (this.sink.rank >= 2) this.write('info', message, fields);
  }

  debug(message: string, fields?: LogFields): void {
    if (this.sink.rank >= 5) this.write('debug', message, fields);
  }

  child(fields: LogFields): Logger {
    return new LineLogger(this.sink, this.fields ? { ...this.fields, ...fields } : fields);
  }

  private write(level: string, message: string, fields: LogFields | undefined): void {
    // Key order as winston's: `message, level` for a bare message, `level, message` after fields.
    const line: LogFields = fields
      ? { ...this.fields, ...fields, level, message }
      : { ...this.fields, message, level };
    // As winston: an Error given as the fields adds its message and stack (not enumerable).
    if (fields) {
      if (fields['message']) line['message'] = `${message} ${String(fields['message'])}`;
      if (fields['stack']) line['stack'] = fields['stack'];
      if (fields['cause']) line['cause'] = fields['cause'];
    }
    for (const key in line) if (SECRET_KEYS.test(key)) line[key] = '***';
    const timestamp = new Date().toISOString();
    let text: string;
    if (this.sink.human) {
      const rest: LogFields = { ...line };
      delete rest['level'];
      delete rest['message'];
      const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest, bigintReplacer) : '';
      text = `${timestamp} ${String(line['level'])} ${String(line['message'])}${extra}\n`;
    } else {
      line['timestamp'] = timestamp;
      text = JSON.stringify(line, bigintReplacer) + '\n';
    }
    (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(text);
  }
}

/** `level` and `format` come from the configuration (ASTBILL_LOG_LEVEL, ASTBILL_LOG_FORMAT). */
export function createLogger(
  level = 'info',
  opts: { silent?: boolean; format?: 'auto' | 'json' } = {},
): Logger {
  const human = process.stdout.isTTY === true && opts.format !== 'json';
  const rank = opts.silent ? -1 : (RANK[level] ?? RANK['info']!);
  return new LineLogger({ rank, human }, null);
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Argument helpers shared by the operator commands: every bad input becomes a one-line UsageError. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseMoney, type Money } from '../rating/index.js';
import { HelpRequested, UsageError } from './command.js';
import { errorText } from '../error-text.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const NEGATIVE = /^-\d/;
const HIDDEN = '\u0000';

/**
 * node:util parseArgs, strict, with its errors turned into UsageError naming the command. Every
 * command takes --help/-h: it throws HelpRequested, and the dispatcher prints the usage.
 * A negative number ('--balance -1', 'topup alice -5') is passed through as a value so that the
 * amount check can say what is wrong with it, instead of parseArgs calling it an unknown option.
 */
export function parse<O extends Options>(command: string, argv: string[], options: O) {
  const hidden = argv.map((a) => (NEGATIVE.test(a) ? HIDDEN + a : a));
  let parsed;
  try {
    parsed = parseArgs({
      args: hidden,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(
      `${command}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    );
  }
  const reveal = (v: unknown): unknown =>
    typeof v === 'string' && v.startsWith(HIDDEN)
      ? v.slice(1)
      : Array.isArray(v)
        ? v.map(reveal)
        : v;
  const values = parsed.values as Record<string, unknown>;
  if (values.help === true) throw new HelpRequested(command);
  delete values.help;
  for (const k of Object.keys(values)) values[k] = reveal(values[k]);
  parsed.positionals = parsed.positionals.map((p) => (p.startsWith(HIDDEN) ? p.slice(1) : p));
  return parsed;
}

/** A non-negative amount such as '10', '0.05' or '0.00125' (at most 5 decimal places). */
export function amount(
  what: string,
  text: string | undefined,
  opts: { positive?: boolean } = {},
): Money {
  if (text === undefined) throw new UsageError(`${what} is required`);
  let value: Money;
  try {
    value = parseMoney(text);
  } catch (err) {
    throw new UsageError(`${what}: ${errorText(err)}`);
  }
  if (value < 0n) throw new UsageError(`${what} must not be negative, got '${text}'`);
  if (opts.positive && value === 0n) throw new UsageError(`${what} must be greater than 0`);
  return value;
}

export function optionalAmount(what: string, text: string | undefined): Money | undefined {
  return text === undefined ? undefined : amount(what, text);
}

/** A whole number in [min, max]. */
export function integer(what: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim()))
    throw new UsageError(`${what} must be a whole number, got '${text}'`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${what} must be ${min}..${max}, got ${n}`);
  return n;
}

export function optionalInteger(
  what: string,
  text: string | undefined,
  min: number,
  max: number,
): number | undefined {
  return text === undefined ? undefined : integer(what, text, min, max);
}

/** A command that takes options only: any positional argument is a usage error. */
export function noArguments(command: string, positionals: string[]): void {
  if (positionals.length > 0)
    throw new UsageError(`${command}: unexpected argument '${positionals[0]}'`);
}

export function required(what: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`${what} is required`);
  return value;
}

/**
 * A point in time: ISO date or date-time ('2030-05-01', '2030-05-01 10:00', with or without
 * seconds; UTC unless an offset or Z is given), or an age such as '15m', '2h', '7d'.
 */
export function since(text: string, now: Date = new Date()): Date {
  const age = /^(\d+)([smhd])$/.exec(text.trim());
  if (age) {
    const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[age[2] as 's' | 'm' | 'h' | 'd'];
    const d = new Date(now.getTime() - Number(age[1]) * unit * 1000);
    // An age past what a date can hold (99999999999d) is bad input, not a crash later.
    if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1970)
      throw new UsageError(`--since: '${text}' reaches back before 1970`);
    return d;
  }
  const m =
    /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?))?(Z|[+-]\d{2}:\d{2})?$/.exec(
      text.trim(),
    );
  if (m) {
    const d = new Date(`${m[1]}T${m[2] ?? '00:00'}${m[3] ?? 'Z'}`);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new UsageError(
    `--since: '${text}' is not a date (2030-05-01, 2030-05-01T10:00, ...) or an age (30m, 2h, 7d)`,
  );
}

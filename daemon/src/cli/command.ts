import { out } from './format.js';

/** The contract every `astbill <command>` module in ./commands fulfils. */
export interface CliCommand {
  /** One line shown by `astbill help`. */
  summary: string;
  /** What `astbill <command> --help` (and `<command> <sub> --help`) prints. */
  usage: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** A usage or input error: printed as one line, exit code 2, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** --help / -h among a command's options: the dispatcher prints the command's usage, exit 0. */
export class HelpRequested extends Error {
  override name = 'HelpRequested';
}

/**
 * `astbill <command> <sub> ...`: runs the named subcommand with the arguments after it. No
 * subcommand prints the usage and exits 2; help, --help and -h print it and exit 0.
 */
export async function runSubcommand(
  command: string,
  usage: string,
  subcommands: Record<string, (argv: string[]) => Promise<number>>,
  argv: string[],
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    out(usage + '\n');
    return sub === undefined ? 2 : 0;
  }
  const handler = Object.hasOwn(subcommands, sub) ? subcommands[sub] : undefined;
  if (!handler)
    throw new UsageError(
      `${command}: unknown subcommand '${sub}' (${Object.keys(subcommands).join(', ')})`,
    );
  return handler(rest);
}

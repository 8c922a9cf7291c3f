/** The contract every `astbill <command>` module in ./commands fulfils. */
export interface CliCommand {
  /** One line shown by `astbill help`. */
  summary: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** A usage or input error: printed as one line, exit code 2, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

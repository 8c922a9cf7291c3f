/**
 * `astbill <command> [args]`: finds the command module in ./commands by name so that each
 * command lives in its own file and this dispatcher never changes when one is added.
 * Exit codes: 0 done (and every --help), 2 bad input (arguments, settings: one line on stderr),
 * 1 anything else (the database, a bug: one line too).
 */
import { readdirSync } from 'node:fs';
import { dirname, join, extname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliCommand } from './command.js';
import { errorText } from '../error-text.js';

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');

export function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => ['.ts', '.js'].includes(extname(f)) && !f.endsWith('.d.ts'))
    .map((f) => basename(f, extname(f)))
    .sort();
}

export async function loadCommand(name: string): Promise<CliCommand | undefined> {
  if (!/^[a-z][a-z-]*$/.test(name) || !commandNames().includes(name)) return undefined;
  return (await import(`./commands/${name}.js`)) as CliCommand;
}

async function help(): Promise<void> {
  const lines = ['usage: astbill <command> [options]', '', 'commands:'];
  for (const name of commandNames()) {
    const cmd = await loadCommand(name);
    if (cmd) lines.push(`  ${name.padEnd(10)} ${cmd.summary}`);
  }
  lines.push('', "'astbill <command> --help' shows a command's options.");
  process.stdout.write(lines.join('\n') + '\n');
}

/**
 * By name, not instanceof: a command module loaded by the dynamic import below may come with its
 * own instance of the error classes (a test loader can load a module twice), and the exit code
 * must not depend on that. The names are those of UsageError, HelpRequested and ConfigError.
 */
const is = (err: unknown, name: 'UsageError' | 'HelpRequested' | 'ConfigError'): boolean =>
  err instanceof Error && err.name === name;

const withNewline = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);

/** Runs one command line; resolves to the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    await help();
    return name ? 0 : 2;
  }
  const cmd = await loadCommand(name);
  if (!cmd) {
    process.stderr.write(`astbill: unknown command '${name}' (try 'astbill help')\n`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (is(err, 'HelpRequested')) {
      process.stdout.write(withNewline(cmd.usage));
      return 0;
    }
    const message = errorText(err);
    process.stderr.write(`astbill: ${message.split('\n')[0]}\n`);
    // Bad input (arguments, settings) exits 2; anything else (the database, a bug) 1.
    return is(err, 'UsageError') || is(err, 'ConfigError') ? 2 : 1;
  }
}

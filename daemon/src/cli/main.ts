/**
 * `astbill <command> [args]`: finds the command module in ./commands by name so that each
 * command lives in its own file and this dispatcher never changes when one is added.
 */
import { readdirSync } from 'node:fs';
import { dirname, join, extname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliCommand } from './command.js';
import { UsageError } from './command.js';

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');

function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => ['.ts', '.js'].includes(extname(f)) && !f.endsWith('.d.ts'))
    .map((f) => basename(f, extname(f)))
    .sort();
}

async function load(name: string): Promise<CliCommand | undefined> {
  if (!/^[a-z][a-z-]*$/.test(name) || !commandNames().includes(name)) return undefined;
  return (await import(`./commands/${name}.js`)) as CliCommand;
}

async function help(): Promise<void> {
  const lines = ['usage: astbill <command> [options]', '', 'commands:'];
  for (const name of commandNames()) {
    const cmd = await load(name);
    if (cmd) lines.push(`  ${name.padEnd(10)} ${cmd.summary}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    await help();
    return name ? 0 : 2;
  }
  const cmd = await load(name);
  if (!cmd) {
    process.stderr.write(`astbill: unknown command '${name}' (try 'astbill help')\n`);
    return 2;
  }
  return cmd.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`astbill: ${message}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);

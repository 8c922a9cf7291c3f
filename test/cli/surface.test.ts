/**
 * The operator surface of every command: --help prints the usage and exits 0 (for every command
 * and subcommand), an unknown option or bad input exits 2 with one line. The sweep runs the real
 * dispatcher in this process (dozens of node start-ups would take minutes); one run goes through
 * bin/astbill.js as an operator's shell would.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandNames, loadCommand, runCli } from '../../daemon/src/cli/dispatch.js';
import { astbill } from './run-cli.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command line in-process, capturing what it writes. */
async function cli(...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as never;
  process.stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as never;
  try {
    const code = await runCli(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
}

/** The subcommands a usage text shows: `astbill <command> <word>` where the word is lower case. */
function subcommands(name: string, usage: string): string[] {
  const re = new RegExp(`astbill ${name} ([a-z][a-z-]*)\\b`, 'g');
  return [...new Set([...usage.matchAll(re)].map((m) => m[1]!))];
}

function oneLine(r: Run, code: number, re?: RegExp): void {
  assert.equal(r.code, code, `exit ${r.code}: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  if (re) assert.match(lines[0]!, re);
}

describe('every astbill command', function () {
  this.timeout(60_000);
  let dir: string;
  let saved: string | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'astbill-surface-'));
    saved = process.env.ASTBILL_DB;
    process.env.ASTBILL_DB = `sqlite:${join(dir, 'db.sqlite')}`;
  });
  after(() => {
    if (saved === undefined) delete process.env.ASTBILL_DB;
    else process.env.ASTBILL_DB = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('has a usage text, printed by --help and -h with exit 0, for itself and each subcommand', async () => {
    const names = commandNames();
    assert.ok(names.length >= 10, names.join(' '));
    let subs = 0;
    for (const name of names) {
      const cmd = await loadCommand(name);
      assert.ok(cmd && typeof cmd.usage === 'string', `${name} exports usage`);
      assert.match(cmd.usage, new RegExp(`^usage:[\\s\\S]*astbill ${name}\\b`), name);
      for (const flag of ['--help', '-h']) {
        const r = await cli(name, flag);
        assert.equal(r.code, 0, `${name} ${flag}: ${r.stderr}`);
        assert.equal(r.stdout, cmd.usage.endsWith('\n') ? cmd.usage : `${cmd.usage}\n`);
        assert.equal(r.stderr, '');
      }
      for (const sub of subcommands(name, cmd.usage)) {
        subs++;
        const r = await cli(name, sub, '--help');
        assert.equal(r.code, 0, `${name} ${sub} --help: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(`astbill ${name} ${sub}\\b`), `${name} ${sub}`);
      }
    }
    assert.ok(subs >= 10, `${subs} subcommands`);
  });

  it('refuses an unknown option with one line and exit 2, for itself and each subcommand', async () => {
    for (const name of commandNames()) {
      const cmd = (await loadCommand(name))!;
      oneLine(await cli(name, '--no-such-option'), 2, /no-such-option|unexpected argument/);
      for (const sub of subcommands(name, cmd.usage))
        oneLine(await cli(name, sub, '--no-such-option'), 2, /no-such-option/);
    }
  });

  it('exits 2 with one line for bad input, before touching anything', async () => {
    for (const argv of [
      ['cdr', '--since', '99999999999d'],
      ['cdr', '--since', 'last tuesday'],
      ['cdr', '--limit', '1e9'],
      ['account', 'topup', 'alice', '1e3'],
      ['account', 'add', '--name', 'x', '--balance', '-1'],
      ['rate', 'add', '--tariff', 't', '--prefix', '44', '--rate', 'cheap'],
      ['report', 'daily', '--date', '2030-02-30'],
      ['sim', '--port', '70000'],
      ['nosuchcommand'],
    ])
      oneLine(await cli(...argv), 2);
  });

  it('refuses a new PIN shorter than ASTBILL_PIN_MIN_LENGTH (default 6)', async () => {
    const add = (name: string, pin: string) =>
      cli('account', 'add', '--name', name, '--balance', '1', '--pin', pin, '--json');
    const ok = async (name: string, pin: string) => {
      const r = await add(name, pin);
      assert.equal(r.code, 0, r.stderr);
    };
    assert.equal(
      (await cli('rate', 'add', '--tariff', 'default', '--prefix', '44', '--rate', '0.05')).code,
      0,
    );
    oneLine(await add('short1', '12345'), 2, /a PIN must be 6 to 20 digits/);
    await ok('ok1', '123456');
    process.env.ASTBILL_PIN_MIN_LENGTH = '8';
    try {
      oneLine(await add('short2', '1234567'), 2, /a PIN must be 8 to 20 digits/);
      await ok('ok2', '12345678');
    } finally {
      delete process.env.ASTBILL_PIN_MIN_LENGTH;
    }
  });

  it('prints the usage through bin/astbill.js too', async () => {
    const r = await astbill(process.env.ASTBILL_DB!, ['cdr', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^usage: astbill cdr /);
  });
});

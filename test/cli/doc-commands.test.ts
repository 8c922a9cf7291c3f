/**
 * Every `astbill ...` command the README, the operator guide, asterisk-conf/README.md and the
 * conf comments show is run (in this process, through the real dispatcher, on a scratch SQLite
 * database) and must succeed. Synopsis placeholders (NAME, AMOUNT, [--opt X], a|b) are filled
 * in; commands that run until stopped (start, sim, demo) or need a running daemon (callback) are
 * checked option by option against their usage instead.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandNames, loadCommand, runCli } from '../../daemon/src/cli/dispatch.js';

const SOURCES = [
  'README.md',
  'docs/operator-guide.md',
  'asterisk-conf/README.md',
  ...readdirSync('asterisk-conf')
    .filter((f) => f.endsWith('.conf'))
    .map((f) => `asterisk-conf/${f}`),
];
const LONG_RUNNING = new Set(['start', 'sim', 'demo', 'callback', 'console']);

interface Shown {
  where: string;
  text: string;
}

/** Code in a file: lines of ``` blocks, and `inline` spans (which may wrap), each with its line. */
function codeSpans(file: string): Shown[] {
  const text = readFileSync(file, 'utf8');
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length;
  const spans: Shown[] = [];
  let offset = 0;
  text.split('```').forEach((part, i) => {
    if (i % 2 === 1)
      part
        .split('\n')
        .forEach((l, j) => spans.push({ where: `${file}:${lineAt(offset) + j}`, text: l }));
    else
      for (const m of part.matchAll(/`([^`]+)`/g))
        spans.push({
          where: `${file}:${lineAt(offset + m.index)}`,
          text: m[1]!.replace(/\n\s*;?\s*/g, ' '),
        });
    offset += part.length + 3;
  });
  return spans;
}

/** `astbill <command> ...` (or `bin/astbill.js <command> ...`) in code, up to a comment or table cell end. */
function shownCommands(): Shown[] {
  const names = commandNames().join('|');
  const re = new RegExp(`(?:\\bastbill|bin/astbill\\.js) ((?:${names})\\b(?:\\\\\\||[^|#])*)`, 'g');
  return SOURCES.flatMap(codeSpans).flatMap(({ where, text }) =>
    [...text.matchAll(re)].map((m) => ({ where, text: m[1]!.trim() })),
  );
}

/** Shell-like words: double quotes group. */
const words = (text: string): string[] =>
  [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);

describe('the commands the documentation shows', function () {
  this.timeout(120_000);
  let dir: string;
  const saved = { ...process.env };
  let n = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'astbill-docs-'));
    process.env.ASTBILL_DB = `sqlite:${join(dir, 'db.sqlite')}`;
    process.env.ASTBILL_JOURNAL_DIR = join(dir, 'journal');
    process.env.ASTBILL_LOG_LEVEL = 'error';
    process.env.ASTBILL_USER_PASSWORD = 'docs-password-0123';
    await quietly(['rate', 'add', '--tariff', 'default', '--prefix', '1', '--rate', '0.01']);
    await quietly(['account', 'add', '--name', 'alice', '--balance', '5']);
  });
  after(() => {
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  async function quietly(argv: string[]): Promise<{ code: number; err: string }> {
    const err: string[] = [];
    const [o, e] = [process.stdout.write, process.stderr.write];
    process.stdout.write = (() => true) as never;
    process.stderr.write = ((c: string) => err.push(String(c)) > 0) as never;
    try {
      return { code: await runCli(argv), err: err.join('') };
    } finally {
      process.stdout.write = o;
      process.stderr.write = e;
    }
  }

  /** A runnable argv for a shown command: placeholders filled, unique names where one is created. */
  function argvOf(text: string): string[] {
    const value: Record<string, () => string> = {
      '--name': () => `doc${++n}`,
      '--prefix': () => `9${++n}`,
      '--since': () => '2030-05-01',
      '--date': () => '2030-05-01',
      '--out': () => join(dir, 'reports'),
      '--tariff': () => 'default',
    };
    const placeholder: Record<string, string> = {
      N: 'alice',
      NAME: 'alice',
      X: '1',
      AMOUNT: '1',
      P: '13572468',
      PIN: '13572468',
      NUM: '4420001',
      NUMBER: '4420001',
      K: '2',
      S: '60',
      C: 'USD',
      R: '0.05',
      F: '0.01',
      PER_MIN: '0.05',
      FEE: '0.01',
      D: '2030-05-01',
      T: 'default',
      REF: 'doc-ref',
    };
    const toks = words(
      text
        .replace(/\\\|/g, '|')
        .replace(/[[\]]/g, ' ')
        .replace(/\.\.\./g, ' '),
    );
    const out: string[] = [];
    for (const raw of toks) {
      const tok = raw.includes('|') ? raw.split('|')[0]! : raw;
      const prev = out.at(-1);
      if (prev && value[prev] && !tok.startsWith('--')) out.push(value[prev]());
      else if (tok === 'FILE.csv') out.push(deck());
      else out.push(placeholder[tok] ?? tok);
    }
    return out;
  }

  function deck(): string {
    const path = join(dir, `deck${++n}.csv`);
    writeFileSync(path, `tariff,prefix,description,rate_per_min\ndeck${n},44,"UK, fixed",0.05\n`);
    return path;
  }

  it('finds the commands, the old `account create` among none of them', () => {
    const shown = shownCommands();
    assert.ok(shown.length >= 25, `${shown.length} found`);
    assert.ok(shown.some((s) => s.where.startsWith('asterisk-conf/pjsip.conf')));
    assert.ok(!shown.some((s) => /^account create\b/.test(s.text)));
  });

  it('every one of them runs (exit 0), or names only options its command has', async () => {
    const failures: string[] = [];
    for (const { where, text } of shownCommands()) {
      const argv = argvOf(text);
      const [name, sub] = argv;
      const cmd = (await loadCommand(name!))!;
      const subs = [...cmd.usage.matchAll(new RegExp(`astbill ${name} ([a-z][a-z-]*)`, 'g'))].map(
        (m) => m[1],
      );
      if (sub && /^[a-z]/.test(sub) && subs.length > 0 && !subs.includes(sub)) {
        failures.push(`${where}: '${text}': no subcommand '${sub}'`);
        continue;
      }
      if (
        LONG_RUNNING.has(name!) ||
        (argv.length === 1 && subs.length > 0) ||
        (argv.length === 2 && subs.includes(sub!) && !/^(list)$/.test(sub!))
      ) {
        for (const opt of argv.filter((a) => a.startsWith('--')))
          if (!cmd.usage.includes(opt)) failures.push(`${where}: '${text}': no option ${opt}`);
        continue;
      }
      const r = await quietly(argv);
      if (r.code !== 0) failures.push(`${where}: '${text}' → exit ${r.code}: ${r.err.trim()}`);
    }
    assert.deepEqual(failures, []);
  });
});

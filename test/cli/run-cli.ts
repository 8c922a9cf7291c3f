/**
 * Runs the real CLI as a child process, as an operator would: `astbill …` from the compiled
 * sources (test/support/compiled.ts; bin/astbill.js's own tests run that entry point).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { compiledCli } from '../support/compiled.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function astbill(
  dbUrl: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [compiledCli(), ...args],
      {
        env: { ...process.env, ASTBILL_DB: dbUrl, ASTBILL_LOG_LEVEL: 'error', ...env },
        timeout: 30_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Parses the JSON a `--json` command printed. */
export function parsed<T = unknown>(r: CliResult): T {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A refusal an operator can read: exit 2, one line on stderr, nothing on stdout. */
export function refused(r: CliResult, message: RegExp): void {
  assert.equal(r.code, 2, `exit code 2 expected, got ${r.code} (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line expected, got: ${r.stderr}`);
  assert.match(lines[0]!, message);
}

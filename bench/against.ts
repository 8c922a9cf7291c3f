/**
 * `npm run bench -- --against <git ref>`: this checkout and another ref side by side in one run.
 * The other ref is checked out in a temporary git worktree and built with tsc; both daemons run on
 * this machine at once, each on a fresh database of its own with a simulator of its own, and the
 * load steps alternate between them (base, head, then head, base, ...) so that whatever else the
 * machine does falls on both alike. Only the ratios of such a run mean anything on a shared machine:
 * absolute numbers vary 2-4x between runs. Both daemons are measured by this checkout's probe and
 * driven by this checkout's simulator, so the counts are comparable.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStep, describeStep, type StepResult } from './load.js';
import { measureScale, type ScaleResult } from './scale.js';
import { drain, startStack, type Stack } from './stack.js';
import { audit, describeAudit, type Audit } from './verify.js';
import type { OpenedStore } from '../daemon/src/store/index.js';

export interface RefBuild {
  ref: string;
  sha: string;
  /** tsc output of the ref (daemon/src/cli/main.js inside). */
  build: string;
}

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

/**
 * Checks `ref` out in a temporary worktree (node_modules linked to this checkout's), builds it
 * with tsc into a directory of its own (kept for the next run of the same commit) and removes the
 * worktree again.
 */
export function buildRef(root: string, ref: string, log: (line: string) => void): RefBuild {
  const sha = git(root, 'rev-parse', '--verify', `${ref}^{commit}`);
  const build = join(tmpdir(), `astbill-bench-build-${sha.slice(0, 12)}`);
  const entry = join(build, 'daemon', 'src', 'cli', 'main.js');
  if (existsSync(entry)) {
    log(`reusing the build of ${ref} (${sha.slice(0, 12)}) in ${build}`);
    return { ref, sha, build };
  }
  const dir = join(tmpdir(), `astbill-bench-${sha.slice(0, 12)}-${process.pid}`);
  log(`building ${ref} (${sha.slice(0, 12)}) in a temporary worktree ${dir}`);
  git(root, 'worktree', 'add', '--detach', dir, sha);
  try {
    const modules = realpathSync(join(root, 'node_modules'));
    symlinkSync(modules, join(dir, 'node_modules'));
    try {
      execFileSync(
        process.execPath,
        [
          join(modules, 'typescript', 'bin', 'tsc'),
          '-p',
          join(dir, 'tsconfig.json'),
          '--outDir',
          build,
        ],
        { stdio: 'inherit' },
      );
    } catch (err) {
      // tsc emits despite type errors; only a missing entry point is fatal.
      if (!existsSync(entry)) throw err;
      log(`  tsc reported errors for ${ref}; running what it emitted`);
    }
    // Packages resolve from the build's own node_modules link once the worktree is gone.
    if (!existsSync(join(build, 'node_modules'))) symlinkSync(modules, join(build, 'node_modules'));
    return { ref, sha, build };
  } finally {
    git(root, 'worktree', 'remove', '--force', dir);
  }
}

export interface SideResult {
  label: string;
  steps: StepResult[];
  scale: ScaleResult | null;
  audits: Array<{ part: string; audit: Audit }>;
}

export interface AgainstResult {
  ref: string;
  sha: string;
  head: string;
  rates: number[];
  rounds: number;
  stepSeconds: number;
  base: SideResult;
  current: SideResult;
}

export interface AgainstOptions {
  ref: string;
  db: string;
  accounts: number;
  talkMs: number;
  rates: number[];
  rounds: number;
  stepSeconds: number;
  scaleLevels: number[] | null;
  rampRate: number;
  holdSeconds: number;
  daemonEnv: Record<string, string>;
  cpuProf: string | null;
  /** This checkout's tsc build (the head daemon and both daemons' probe). */
  compiledDir: string;
  root: string;
}

/** The same server, another database name: `mysql://h/astbill_bench` → `mysql://h/astbill_bench_base`. */
function sibling(dbUrl: string, suffix: string): string {
  const u = new URL(dbUrl);
  u.pathname = `${u.pathname.replace(/\/$/, '')}${suffix}`;
  return u.toString();
}

export async function runAgainst(
  o: AgainstOptions,
  log: (line: string) => void,
  track: (s: Stack | null) => void,
): Promise<AgainstResult> {
  const ref = buildRef(o.root, o.ref, log);
  const head = git(o.root, 'rev-parse', 'HEAD');
  const stacks: Stack[] = [];
  try {
    // The base daemon refuses a schema whose migrations it does not know; the newer ones only add
    // tables and defaulted columns, so they are struck from knex's list for it.
    const known = new Set(
      git(o.root, 'ls-tree', '--name-only', ref.sha, 'daemon/src/store/migrations/')
        .split('\n')
        .map((f) => f.replace(/^.*\//, '').replace(/\.ts$/, '')),
    );
    const fitToBase = async (opened: OpenedStore): Promise<void> => {
      await opened.db
        .knex('knex_migrations')
        .whereNotIn('name', [...known])
        .delete();
    };
    const start = (
      label: string,
      dbUrl: string,
      compiledDir: string,
      beforeDaemon?: (opened: OpenedStore) => Promise<void>,
    ): Promise<Stack> =>
      startStack(
        {
          dbUrl,
          accounts: o.accounts,
          talkMs: o.talkMs,
          name: `against-${label}`,
          cpuProfDir: o.cpuProf ? join(o.cpuProf, label) : null,
          daemonEnv: o.daemonEnv,
          compiledDir,
          probeDir: o.compiledDir,
          ...(beforeDaemon ? { beforeDaemon } : {}),
        },
        log,
      );
    const baseStack = await start('base', sibling(o.db, '_base'), ref.build, fitToBase);
    stacks.push(baseStack);
    const headStack = await start('head', o.db, o.compiledDir);
    stacks.push(headStack);
    const base: SideResult = {
      label: `${o.ref} (${ref.sha.slice(0, 10)})`,
      steps: [],
      scale: null,
      audits: [],
    };
    const current: SideResult = {
      label: `HEAD (${head.slice(0, 10)})`,
      steps: [],
      scale: null,
      audits: [],
    };
    const sides: Array<[SideResult, Stack]> = [
      [base, baseStack],
      [current, headStack],
    ];
    for (let round = 0; round < o.rounds; round++) {
      // ABBA: each side goes first in every other round, so drift in the machine's load cancels.
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      for (const rate of o.rates) {
        for (const [side, stack] of order) {
          track(stack);
          const r = await runStep(stack, rate, o.stepSeconds, o.talkMs, 60_000);
          side.steps.push(r);
          log(`  [${side === base ? 'base' : 'head'} round ${round + 1}]${describeStep(r)}`);
          await drain(stack, 60_000);
        }
      }
    }
    for (const [side, stack] of sides) {
      const a = await audit(stack.opened, stack.tracker.calls);
      side.audits.push({ part: 'load', audit: a });
      log(`  ${side.label}: ${describeAudit(a)}`);
    }
    if (o.scaleLevels) {
      for (const [side, stack] of sides) {
        track(stack);
        log(`  scale, ${side.label}`);
        side.scale = await measureScale(
          stack,
          {
            levels: o.scaleLevels,
            rampRate: o.rampRate,
            holdSeconds: o.holdSeconds,
            hangupRate: o.rampRate,
            window: 100,
          },
          log,
        );
        const a = await audit(stack.opened, stack.tracker.calls);
        side.audits.push({ part: 'scale', audit: a });
        log(`  ${side.label}: ${describeAudit(a)}`);
      }
    }
    return {
      ref: o.ref,
      sha: ref.sha,
      head,
      rates: o.rates,
      rounds: o.rounds,
      stepSeconds: o.stepSeconds,
      base,
      current,
    };
  } finally {
    track(null);
    for (const s of stacks) await s.close().catch(() => undefined);
  }
}

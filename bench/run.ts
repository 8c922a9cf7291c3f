/**
 * `npm run bench [-- options]`: the database's own ceiling, the whole stack at rising load, and the
 * daemon at scale, each on a fresh database, with a billing audit after each part; prints the
 * report and writes it to bench/RESULTS.md. Not part of `npm test`. See ./options.ts for options.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DAEMON_NODE_FLAGS, DAEMON_SHIPPED_ENV } from './daemon-process.js';
import { freshBenchDatabase } from './bench-db.js';
import { measureCeiling } from './ceiling.js';
import { measureLoad } from './load.js';
import { runAgainst } from './against.js';
import { renderAgainst } from './against-report.js';
import { describeMachine, type Machine } from './machine.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { renderReport, verdicts, type BenchReport } from './report.js';
import { measureScale } from './scale.js';
import { startStack, type Stack } from './stack.js';
import { audit, describeAudit } from './verify.js';

const here = dirname(fileURLToPath(import.meta.url));
const log = (line: string): void => void process.stdout.write(line + '\n');

let current: Stack | null = null;
/** Where `--compiled` builds the repository: .bench-build/ of this checkout, so that packages resolve from its node_modules and another checkout's bench does not overwrite it (never dist/, which bin/astbill.js would pick up). */
let compiledDir: string | null = null;

function buildDaemon(): string {
  const out = join(here, '..', '.bench-build');
  log(`building the daemon with tsc into ${out} (--compiled)`);
  execFileSync(
    process.execPath,
    [
      join(here, '..', 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(here, '..', 'tsconfig.json'),
      '--outDir',
      out,
    ],
    { stdio: 'inherit' },
  );
  return out;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`\n${signal}: stopping the daemon and the simulator`);
    const done = current ? current.close().catch(() => undefined) : Promise.resolve();
    void done.finally(() => process.exit(130));
  });
}

async function withStack<T>(
  o: BenchOptions,
  name: string,
  fn: (s: Stack) => Promise<T>,
): Promise<{ result: T; stack: Stack }> {
  const stack = await startStack(
    {
      dbUrl: o.db,
      accounts: o.accounts,
      talkMs: o.talkMs,
      name,
      cpuProfDir: o.cpuProf ? join(o.cpuProf, name) : null,
      daemonEnv: o.daemonEnv,
      compiledDir,
      nodeFlags: o.nodeFlags,
    },
    log,
  );
  current = stack;
  try {
    return { result: await fn(stack), stack };
  } catch (err) {
    log(`  daemon log tail:\n${stack.daemon.tail()}`);
    throw err;
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    log(USAGE);
    return 0;
  }
  const o = parseOptions(argv);
  if (o.compiled) compiledDir = buildDaemon();
  const machine = await describeMachine(o.db, argv);
  if (o.against !== null) return against(o, machine, compiledDir!);
  const report: BenchReport = {
    machine,
    loadAverage: loadavg(),
    settings: {
      accounts: o.accounts,
      'ceiling concurrency': o.concurrency,
      'step seconds': o.stepSeconds,
      'talk ms': o.talkMs,
      'hold seconds': o.holdSeconds,
      'ramp calls/s': o.rampRate,
      daemon: `${o.compiled ? 'compiled by tsc' : 'TypeScript through tsx'}, node ${(o.nodeFlags ?? DAEMON_NODE_FLAGS).join(' ')}, env ${Object.entries(
        { ...DAEMON_SHIPPED_ENV, ...o.daemonEnv },
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    },
    ceiling: null,
    load: null,
    scale: null,
    audits: [],
    notes: [],
  };
  log(
    `astbill bench: ${machine.cpu} x${machine.cores}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.database}`,
  );
  if (loadavg()[0]! > machine.cores * 0.5) {
    const note = `the machine was already busy at the start (load average ${loadavg()[0]!.toFixed(2)} on ${machine.cores} cores): numbers are pessimistic`;
    report.notes.push(note);
    log(`warning: ${note}`);
  }

  if (o.parts.ceiling) {
    log('1. database ceiling');
    const { opened, accounts } = await freshBenchDatabase(o.db, o.accounts);
    try {
      report.ceiling = await measureCeiling(
        opened,
        accounts,
        {
          concurrency: o.concurrency,
          seconds: o.ceilingSeconds,
          roundTripSamples: o.quick ? 50 : 500,
        },
        log,
      );
      const a = await audit(opened, new Map());
      report.audits.push({ part: 'ceiling', audit: a });
      log(describeAudit(a));
    } finally {
      await opened.close();
    }
  }

  if (o.parts.load) {
    log('2. through the stack');
    const { result, stack } = await withStack(o, 'load', (s) =>
      measureLoad(
        s,
        {
          rates: o.rates,
          stepSeconds: o.stepSeconds,
          talkMs: o.talkMs,
          latencySeconds: o.latencySeconds,
        },
        log,
      ),
    );
    report.load = result;
    const a = await audit(stack.opened, stack.tracker.calls);
    report.audits.push({ part: 'load', audit: a });
    log(describeAudit(a));
    await stack.close();
    current = null;
  }

  if (o.parts.scale) {
    log('3. scale');
    const { result, stack } = await withStack(o, 'scale', (s) =>
      measureScale(
        s,
        {
          levels: o.scaleLevels,
          rampRate: o.rampRate,
          holdSeconds: o.holdSeconds,
          hangupRate: o.rampRate,
          window: o.quick ? 50 : 100,
        },
        log,
      ),
    );
    report.scale = result;
    const a = await audit(stack.opened, stack.tracker.calls);
    report.audits.push({ part: 'scale', audit: a });
    log(describeAudit(a));
    await stack.close();
    current = null;
  }

  const text = renderReport(report);
  log('\n' + text);
  if (o.write) {
    writeFileSync(join(here, 'RESULTS.md'), text);
    log(`written to ${join(here, 'RESULTS.md')}`);
  }
  const v = verdicts(report);
  const failed = report.load
    ? report.load.steps.reduce((s, x) => s + x.failed, 0) + (report.load.latencyRun?.failed ?? 0)
    : 0;
  // Exit code 1 only for wrong money (a performance target missed is a finding, not an error).
  return v.misbilled === 0 && failed === 0 ? 0 : 1;
}

async function against(o: BenchOptions, machine: Machine, built: string): Promise<number> {
  const result = await runAgainst(
    {
      ref: o.against!,
      db: o.db,
      accounts: o.accounts,
      talkMs: o.talkMs,
      rates: o.rates,
      rounds: o.rounds,
      stepSeconds: o.stepSeconds,
      scaleLevels: o.parts.scale ? o.scaleLevels : null,
      rampRate: o.rampRate,
      holdSeconds: o.holdSeconds,
      daemonEnv: o.daemonEnv,
      cpuProf: o.cpuProf,
      compiledDir: built,
      root: join(here, '..'),
    },
    log,
    (s) => {
      current = s;
    },
  );
  const text = renderAgainst(result, [
    `- Date: ${machine.date}`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, ${machine.os}; load average at start ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
    `- Node ${machine.node}; ${machine.database}; daemons compiled by tsc, node ${DAEMON_NODE_FLAGS.join(' ')}, env MALLOC_ARENA_MAX=${DAEMON_SHIPPED_ENV.MALLOC_ARENA_MAX}`,
    `- Reproduce: \`${machine.command}\``,
  ]);
  log('\n' + text);
  if (o.write) {
    writeFileSync(join(here, 'RESULTS.md'), text);
    log(`written to ${join(here, 'RESULTS.md')}`);
  }
  const bad = [result.base, result.current].some((s) =>
    s.audits.some(({ audit: a }) => a.misbilled > 0),
  );
  return bad ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    process.stderr.write(
      `bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    if (current) await current.close().catch(() => undefined);
    process.exitCode = 2;
  },
);

/**
 * `npm run chaos`: seeded fault simulation of the real daemon against the ARI simulator.
 *
 *   npm run chaos                        the CI seeds
 *   npm run chaos -- --seed 17           one seed (replay of a failure)
 *   npm run chaos -- --runs 1000         seeds 1..1000 (a long search)
 *   options: --from N (first seed of --runs), --calls N (per run, default 300),
 *            --mysql URL (MariaDB server instead of SQLite), --fault-rate P, --json
 *
 * Prints one line per run, then calls simulated, faults injected by kind and the violations;
 * exits 1 when there is one (with its seed, step and trace), 2 on bad arguments.
 */
import { CI_SEEDS, CI_CALLS } from './ci-seeds.js';
import { formatViolation, runSeed, type RunSummary } from './run.js';
import { FAULT_KINDS } from './faults.js';

function parse(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    const key = a.slice(2);
    if (key === 'json') out.json = 'true';
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`--${key} needs a value`);
      out[key] = v;
    }
  }
  return out;
}

function int(args: Record<string, string>, key: string, fallback: number): number {
  const raw = args[key];
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`--${key} must be a whole number, not '${raw}'`);
  return Number(raw);
}

async function main(): Promise<number> {
  let args: Record<string, string>;
  let seeds: number[];
  let calls: number;
  let faultRate: number | undefined;
  try {
    args = parse(process.argv.slice(2));
    for (const k of Object.keys(args))
      if (!['seed', 'runs', 'from', 'calls', 'mysql', 'fault-rate', 'json'].includes(k))
        throw new Error(`unknown option --${k}`);
    calls = int(args, 'calls', args.seed || args.runs ? 300 : CI_CALLS);
    if (args.seed !== undefined) seeds = [int(args, 'seed', 0)];
    else if (args.runs !== undefined) {
      const from = int(args, 'from', 1);
      seeds = Array.from({ length: int(args, 'runs', 1) }, (_, i) => from + i);
    } else seeds = [...CI_SEEDS];
    if (args['fault-rate'] !== undefined) {
      faultRate = Number(args['fault-rate']);
      if (!(faultRate >= 0 && faultRate <= 1)) throw new Error('--fault-rate must be within 0..1');
    }
  } catch (err) {
    process.stderr.write(`astbill chaos: ${(err as Error).message}\n`);
    return 2;
  }
  const started = Date.now();
  const totals = {
    calls: 0,
    attempts: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])),
  };
  const failed: RunSummary[] = [];
  for (const seed of seeds) {
    const s = await runSeed(seed, {
      calls,
      ...(args.mysql ? { mysqlUrl: args.mysql } : {}),
      ...(faultRate !== undefined ? { faultRate } : {}),
    });
    totals.calls += s.calls;
    totals.attempts += s.attempts;
    for (const k of FAULT_KINDS) totals.faults[k]! += s.faults[k];
    const faults = Object.values(s.faults).reduce((a, b) => a + b, 0);
    if (args.json) process.stdout.write(`${JSON.stringify(s)}\n`);
    else
      process.stdout.write(
        `seed ${seed}: ${s.boxes} box(es), ${s.calls} calls, ${s.attempts} attempts, ${faults} faults, ` +
          `${s.simSeconds} s simulated, charged ${s.charged}: ${s.violation ? 'VIOLATION' : 'ok'}\n`,
      );
    if (s.violation) {
      failed.push(s);
      process.stdout.write(`${formatViolation(s)}\n`);
    }
  }
  process.stdout.write(
    `\n${seeds.length} run(s), ${totals.calls} calls (${totals.attempts} attempts) in ${((Date.now() - started) / 1000).toFixed(0)} s\n` +
      `faults: ${FAULT_KINDS.map((k) => `${k} ${totals.faults[k]}`).join(', ')}\n` +
      `violations: ${failed.length}${failed.length ? ` (seeds ${failed.map((f) => f.seed).join(', ')})` : ''}\n`,
  );
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `astbill chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);

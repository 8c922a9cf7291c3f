/**
 * Command-line options of `npm run bench`. Every number has a default sized so that the whole run
 * fits in ~10 minutes on a 2-core machine; `--quick` shrinks them all to a smoke run of seconds.
 */

export interface BenchOptions {
  quick: boolean;
  /** Server URL of the bench database; it is dropped and created fresh. */
  db: string;
  /** Which parts to run. */
  parts: { ceiling: boolean; load: boolean; scale: boolean };
  /** Concurrent transactions for the ceiling (= the daemon's DB pool size). */
  concurrency: number;
  accounts: number;
  /** Seconds per ceiling measurement. */
  ceilingSeconds: number;
  /** Offered loads (calls/s) tried in order until the stack saturates. */
  rates: number[];
  /** Seconds each offered load is sustained. */
  stepSeconds: number;
  /** Talk time of a load call (the far end hangs up), ms. */
  talkMs: number;
  /** Seconds of the latency run at 50% of saturation. */
  latencySeconds: number;
  /** Concurrent live calls held for the scale part, in increasing order. */
  scaleLevels: number[];
  /** Calls/s while ramping up the held calls. */
  rampRate: number;
  /** Seconds the held calls are observed at each level. */
  holdSeconds: number;
  /** Write bench/RESULTS.md (off for smoke runs unless asked). */
  write: boolean;
  /** Directory for daemon CPU profiles (node --cpu-prof), or null. */
  cpuProf: string | null;
  /** `--node-flags`: the daemon's Node flags instead of DAEMON_NODE_FLAGS (null: those), to compare settings. */
  nodeFlags: string[] | null;
  /** Extra env for the daemon child, e.g. ASTBILL_DB_POOL=20. */
  daemonEnv: Record<string, string>;
  /** Run the daemon compiled by tsc (as the Docker image does; default) instead of through tsx. */
  compiled: boolean;
  verbose: boolean;
  /** `--against REF`: run this checkout and REF side by side (./against.ts); null for a normal run. */
  against: string | null;
  /** Rounds of the `--against` load steps (base and head alternating). */
  rounds: number;
}

const DEFAULT_DB = 'mysql://root@127.0.0.1:3306/astbill_bench';

export const USAGE = `usage: npm run bench -- [options]
  --quick                 smoke run with tiny numbers (seconds)
  --db URL                MariaDB/MySQL database to create fresh (default ${DEFAULT_DB})
  --only PARTS            comma list of ceiling,load,scale (default all)
  --concurrency N         concurrent transactions for the ceiling (default 10 = daemon pool)
  --accounts N            accounts the calls are spread over (default 1000)
  --ceiling-seconds S     seconds per ceiling measurement (default 10)
  --rates LIST            offered loads in calls/s (default 20,50,100,200,300,400,600,800)
  --step-seconds S        seconds per offered load (default 12)
  --talk-ms MS            talk time of a load call (default 1000)
  --latency-seconds S     seconds of the latency run at 50% of saturation (default 20)
  --scale LIST            concurrent held calls (default 1000,2500,5000,10000)
  --ramp-rate N           calls/s while ramping the held calls (default 400)
  --hold-seconds S        seconds observed at each held level (default 10)
  --cpu-prof DIR          write the daemon's CPU profile (node --cpu-prof) into DIR
  --daemon-env K=V        extra environment for the daemon (repeatable)
  --node-flags LIST       the daemon's Node flags, comma list, instead of the shipped ones ('' for none),
                          e.g. --node-flags --max-semi-space-size=16
  --compiled              run the daemon compiled by tsc, as the Docker image does (default, except with --quick)
  --tsx                   run the daemon's TypeScript through tsx instead (no build)
  --no-write              do not write bench/RESULTS.md
  --verbose               show the daemon's stderr
  --against REF           build git REF in a temporary worktree and run it and this checkout side by
                          side, interleaved: load steps (default --rates 50) and scale, with ratios
  --rounds N              rounds of --against load steps, base and head alternating (default 2)`;

function list(text: string, name: string): number[] {
  const out = text.split(',').map((s) => Number(s.trim()));
  if (out.length === 0 || out.some((n) => !Number.isFinite(n) || n <= 0))
    throw new Error(`${name}: expected a comma list of positive numbers`);
  return out;
}

function num(text: string | undefined, name: string): number {
  const n = Number(text);
  if (text === undefined || !Number.isFinite(n) || n <= 0)
    throw new Error(`${name}: expected a positive number`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const o: BenchOptions = {
    quick,
    db: DEFAULT_DB,
    parts: { ceiling: true, load: true, scale: true },
    concurrency: 10,
    accounts: quick ? 50 : 1000,
    ceilingSeconds: quick ? 1 : 10,
    rates: quick ? [10, 20] : [20, 50, 100, 200, 300, 400, 600, 800],
    stepSeconds: quick ? 2 : 12,
    talkMs: quick ? 300 : 1000,
    latencySeconds: quick ? 2 : 20,
    scaleLevels: quick ? [50, 100] : [1000, 2500, 5000, 10000],
    rampRate: quick ? 200 : 400,
    holdSeconds: quick ? 1 : 10,
    write: !quick,
    cpuProf: null,
    daemonEnv: {},
    nodeFlags: null,
    // The daemon as operators run it (the Docker image runs the tsc build); a smoke run skips the build.
    compiled: !quick,
    verbose: false,
    against: null,
    rounds: 2,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--quick':
        break;
      case '--db':
        o.db = next();
        break;
      case '--only': {
        const parts = next().split(',');
        o.parts = {
          ceiling: parts.includes('ceiling'),
          load: parts.includes('load'),
          scale: parts.includes('scale'),
        };
        break;
      }
      case '--concurrency':
        o.concurrency = num(next(), a);
        break;
      case '--accounts':
        o.accounts = num(next(), a);
        break;
      case '--ceiling-seconds':
        o.ceilingSeconds = num(next(), a);
        break;
      case '--rates':
        o.rates = list(next(), a);
        break;
      case '--step-seconds':
        o.stepSeconds = num(next(), a);
        break;
      case '--talk-ms':
        o.talkMs = num(next(), a);
        break;
      case '--latency-seconds':
        o.latencySeconds = num(next(), a);
        break;
      case '--scale':
        o.scaleLevels = list(next(), a);
        break;
      case '--ramp-rate':
        o.rampRate = num(next(), a);
        break;
      case '--hold-seconds':
        o.holdSeconds = num(next(), a);
        break;
      case '--cpu-prof':
        o.cpuProf = next();
        break;
      case '--daemon-env': {
        const kv = next();
        const eq = kv.indexOf('=');
        if (eq < 1) throw new Error('--daemon-env: expected KEY=VALUE');
        o.daemonEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
      case '--node-flags': {
        const v = next();
        o.nodeFlags = v.split(',').filter((f) => f.trim() !== '');
        break;
      }
      case '--write':
        o.write = true;
        break;
      case '--no-write':
        o.write = false;
        break;
      case '--compiled':
        o.compiled = true;
        break;
      case '--tsx':
        o.compiled = false;
        break;
      case '--verbose':
        o.verbose = true;
        break;
      case '--against':
        o.against = next();
        break;
      case '--rounds':
        o.rounds = num(next(), a);
        break;
      default:
        throw new Error(`unknown option ${a}\n${USAGE}`);
    }
  }
  if (o.against !== null && o.nodeFlags !== null)
    throw new Error(
      '--node-flags: for a normal run (--against runs both sides with the shipped flags)',
    );
  if (o.against !== null) {
    // Side by side compares compiled daemons at the 50 calls/s unless told otherwise.
    o.compiled = true;
    if (!argv.includes('--rates')) o.rates = quick ? [20] : [50];
    if (!argv.includes('--scale') && !quick) o.scaleLevels = [1000, 10000];
  }
  return o;
}

/**
 * `astbill demo [--json] [--fast]`: the README's "run it" command. Starts the ARI simulator and
 * the real daemon on a fresh embedded SQLite database (./data/demo.sqlite), places a scripted set
 * of calls on the real clock with a live table, then prints the CDRs, the balances and a verdict.
 * Exit 0 when every call was billed exactly once and no reservation is left, 1 otherwise.
 */
import { integer, noArguments, parse } from '../args.js';
import { UsageError } from '../command.js';
import { consoleEnv, keepConsoleUp } from '../../demo/console-mode.js';
import { demoScenario } from '../../demo/scenario.js';
import type { DemoParts } from '../../demo/run-demo.js';
import { json, out } from '../format.js';
import { renderHuman, renderJson } from '../../demo/report.js';
import { runDemo } from '../../demo/run-demo.js';

export const summary =
  'run scripted calls through the simulator and the daemon, print CDRs and balances [--json] [--fast]';

export const usage = `usage: astbill demo [--json] [--fast] [--console [--port N]]
  Starts a simulated Asterisk (ARI) and the billing daemon on a fresh SQLite database
  (./data/demo.sqlite, replaced on every run), places scripted calls on the real clock
  (about 15 s; --fast: about 10 s), shows them live, then prints the CDRs, balances and a verdict.
  --json   print only the result as JSON (money as exact decimal strings)
  --fast   shorter rings and talk times; same calls, same amounts
  --console  then keep the simulator, the daemon and the operator console up until Ctrl-C:
             prints the console URL and a demo login, and places a call every 20 s
  --port N   the console's port with --console (default 8089; 0 picks a free one)
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('demo', argv, {
    json: { type: 'boolean' },
    fast: { type: 'boolean' },
    console: { type: 'boolean' },
    port: { type: 'string' },
  });
  noArguments('demo', positionals);
  const asJson = values.json === true;
  if (values.port !== undefined && !values.console)
    throw new UsageError('demo: --port goes with --console');
  const port = values.port !== undefined ? integer('--port', values.port, 0, 65_535) : 8089;
  const fast = values.fast === true;
  let printed = false;
  const consoleMode = values.console
    ? {
        daemonEnv: consoleEnv(port),
        keepUp: async (p: DemoParts) => {
          out(asJson ? json(renderJson(p.result)) : renderHuman(p.result));
          printed = true;
          // Only now does Ctrl-C mean "stop the demo" instead of ending the process at once.
          const stop = new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
          await keepConsoleUp(p, demoScenario({ fast }).farEnds, out, stop);
        },
      }
    : {};
  const result = await runDemo({
    fast,
    ...consoleMode,
    ...(asJson
      ? {}
      : {
          live: { tty: process.stdout.isTTY === true, columns: process.stdout.columns, write: out },
        }),
  });
  if (!printed) out(asJson ? json(renderJson(result)) : renderHuman(result));
  return result.verdict.ok ? 0 : 1;
}

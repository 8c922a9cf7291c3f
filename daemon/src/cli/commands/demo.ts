/**
 * `astbill demo [--json] [--fast]`: the README's "run it" command. Starts the ARI simulator and
 * the real daemon on a fresh embedded SQLite database (./data/demo.sqlite), places a scripted set
 * of calls on the real clock with a live table, then prints the CDRs, the balances and a verdict.
 * Exit 0 when every call was billed exactly once and no reservation is left, 1 otherwise.
 */
import { noArguments, parse } from '../args.js';
import { json, out } from '../format.js';
import { renderHuman, renderJson } from '../../demo/report.js';
import { runDemo } from '../../demo/run-demo.js';

export const summary =
  'run scripted calls through the simulator and the daemon, print CDRs and balances [--json] [--fast]';

export const usage = `usage: astbill demo [--json] [--fast]
  Starts a simulated Asterisk (ARI) and the billing daemon on a fresh SQLite database
  (./data/demo.sqlite, replaced on every run), places scripted calls on the real clock
  (about 15 s; --fast: about 10 s), shows them live, then prints the CDRs, balances and a verdict.
  --json   print only the result as JSON (money as exact decimal strings)
  --fast   shorter rings and talk times; same calls, same amounts
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('demo', argv, {
    json: { type: 'boolean' },
    fast: { type: 'boolean' },
  });
  noArguments('demo', positionals);
  const asJson = values.json === true;
  const result = await runDemo({
    fast: values.fast === true,
    ...(asJson
      ? {}
      : {
          live: { tty: process.stdout.isTTY === true, columns: process.stdout.columns, write: out },
        }),
  });
  out(asJson ? json(renderJson(result)) : renderHuman(result));
  return result.verdict.ok ? 0 : 1;
}

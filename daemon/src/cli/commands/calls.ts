/** `astbill calls [--node N] [--json]`: the calls up right now (the live reservations in astcreditres). */
import { UsageError } from '../command.js';
import { parse } from '../args.js';
import { json, jsonMoney, out, showMoney, showTime, table } from '../format.js';
import { withStore } from '../open-store.js';

export const summary = 'live calls (reservations) now, per account and node';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('calls', argv, { node: { type: 'string' }, json: { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`calls: unexpected argument '${positionals[0]}'`);
  return withStore(async (store) => {
    const live = await store.reservations(values.node);
    const now = Date.now();
    if (values.json) {
      out(
        json(
          live.map((r) => ({
            uniqueid: r.uniqueid,
            account: r.account,
            node: r.node,
            created: r.created.toISOString(),
            answer: r.answer?.toISOString() ?? null,
            maxSeconds: r.maxSeconds,
            maxCost: jsonMoney(r.maxCost),
          })),
        ),
      );
    } else {
      out(
        table(
          ['UNIQUEID', 'ACCOUNT', 'NODE', 'STARTED', 'ANSWERED', 'TALK', 'MAX S', 'RESERVED'],
          live.map((r) => [
            r.uniqueid,
            r.account,
            r.node,
            showTime(r.created),
            showTime(r.answer),
            r.answer ? `${Math.max(0, Math.floor((now - r.answer.getTime()) / 1000))}s` : '',
            r.maxSeconds,
            showMoney(r.maxCost),
          ]),
        ),
      );
      out(`${live.length} live call(s)\n`);
    }
    return 0;
  });
}

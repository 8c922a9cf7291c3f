/** `astbill calls [--node N] [--json]`: the calls up right now (the live reservations in astcreditres). */
import { noArguments, parse } from '../args.js';
import { jsonMoney, out, outList, showMoney, showTime } from '../format.js';
import { withStore } from '../open-store.js';

export const summary = 'live calls (reservations) now, per account and node';

export const usage = 'usage: astbill calls [--node N] [--json]';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('calls', argv, {
    node: { type: 'string' },
    json: { type: 'boolean' },
  });
  noArguments('calls', positionals);
  return withStore(async (store) => {
    const live = await store.reservations(values.node);
    const now = Date.now();
    outList(live, {
      asJson: values.json,
      toJson: (r) => ({
        uniqueid: r.uniqueid,
        account: r.account,
        node: r.node,
        created: r.created.toISOString(),
        answer: r.answer?.toISOString() ?? null,
        maxSeconds: r.maxSeconds,
        maxCost: jsonMoney(r.maxCost),
      }),
      headers: ['UNIQUEID', 'ACCOUNT', 'NODE', 'STARTED', 'ANSWERED', 'TALK', 'MAX S', 'RESERVED'],
      toRow: (r) => [
        r.uniqueid,
        r.account,
        r.node,
        showTime(r.created),
        showTime(r.answer),
        r.answer ? `${Math.max(0, Math.floor((now - r.answer.getTime()) / 1000))}s` : '',
        r.maxSeconds,
        showMoney(r.maxCost),
      ],
    });
    if (!values.json) out(`${live.length} live call(s)\n`);
    return 0;
  });
}

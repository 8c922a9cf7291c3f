/**
 * Per trunk and day (UTC): attempts, answered, ASR, ACD, minutes, buy cost, sell revenue and
 * margin, from the attempts table and the CDR of each answered attempt. Summed in bigint here
 * (no SQL arithmetic on money, same on both databases).
 */
import type { Knex } from 'knex';
import { moneyFromDb, type Money } from '../rating/index.js';
import { fromDbTime, toDbTime } from './time.js';

export interface TrunkDay {
  day: string;
  trunk: string;
  attempts: number;
  answered: number;
  /** Answered / attempts, in whole percent (rounded down); null without attempts. */
  asrPercent: number | null;
  /** Mean billed seconds of the answered calls (rounded down); null when none answered. */
  acdSeconds: number | null;
  billsec: number;
  buy: Money;
  sell: Money;
  margin: Money;
}

/** Attempts that started in [from, to). */
export async function trunkReport(q: Knex, from: Date, to: Date): Promise<TrunkDay[]> {
  const rows = (await q('astcallattempt as a')
    .leftJoin('astcdr as c', (j) =>
      j.on('c.uniqueid', '=', 'a.uniqueid').andOn('a.outcome', '=', q.raw('?', ['ANSWERED'])),
    )
    .where('a.start', '>=', toDbTime(from))
    .andWhere('a.start', '<', toDbTime(to))
    .select(
      'a.trunk',
      'a.start',
      'a.outcome',
      'c.status',
      'c.billsec',
      'c.cost',
      'c.buy_cost',
      'c.margin',
    )) as Array<{
    trunk: string;
    start: unknown;
    outcome: string | null;
    status: string | null;
    billsec: number | string | null;
    cost: unknown;
    buy_cost: unknown;
    margin: unknown;
  }>;
  const out = new Map<string, TrunkDay>();
  for (const r of rows) {
    const day = fromDbTime(r.start)!.toISOString().slice(0, 10);
    const key = `${day}\u0000${r.trunk}`;
    let d = out.get(key);
    if (!d) {
      d = {
        day,
        trunk: r.trunk,
        attempts: 0,
        answered: 0,
        asrPercent: null,
        acdSeconds: null,
        billsec: 0,
        buy: 0n,
        sell: 0n,
        margin: 0n,
      };
      out.set(key, d);
    }
    d.attempts++;
    if (r.outcome !== 'ANSWERED') continue;
    d.answered++;
    // A call still up counts as answered; its money shows once it is settled.
    if (r.status !== 'settled') continue;
    d.billsec += Number(r.billsec ?? 0);
    d.sell += moneyFromDb(r.cost ?? 0);
    d.buy += r.buy_cost === null ? 0n : moneyFromDb(r.buy_cost);
    d.margin += r.margin === null ? 0n : moneyFromDb(r.margin);
  }
  const list = [...out.values()].sort((a, b) =>
    a.day === b.day ? (a.trunk < b.trunk ? -1 : 1) : a.day < b.day ? -1 : 1,
  );
  for (const d of list) {
    d.asrPercent = Math.floor((d.answered * 100) / d.attempts);
    d.acdSeconds = d.answered ? Math.floor(d.billsec / d.answered) : null;
  }
  return list;
}

/**
 * Per trunk and day (UTC): attempts, answered, ASR, ACD, minutes, buy cost, sell revenue and
 * margin, from the attempts table and the CDR of each answered attempt. Summed in bigint here
 * (no SQL arithmetic on money, same on both databases). One row per trunk, day and currency:
 * a trunk's buy cost and margin are in the tariff's terms (store/tx/settle.ts), so a row's
 * currency is the tariff's for a converted call, else the account's, and its sell is the cost in
 * that currency (tariff_cost for a converted call), never a sum across currencies.
 */
import type { Knex } from 'knex';
import { moneyFromDb, type Money } from '../rating/index.js';
import { fromDbTime, toDbTime } from './time.js';

export interface TrunkDay {
  day: string;
  trunk: string;
  /** ISO code of buy, sell and margin ('' for attempts of a call without an account). */
  currency: string;
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
    .leftJoin('astcdr as c', 'c.uniqueid', 'a.uniqueid')
    .leftJoin('astaccount as acc', 'acc.id', 'c.account_id')
    .where('a.start', '>=', toDbTime(from))
    .andWhere('a.start', '<', toDbTime(to))
    .select(
      'a.trunk',
      'a.start',
      'a.outcome',
      'c.status',
      'c.billsec',
      'c.cost',
      'c.tariff_cost',
      q.raw('COALESCE(c.tariff_currency, acc.currency) AS ??', ['currency']),
      'c.buy_cost',
      'c.margin',
    )) as Array<{
    trunk: string;
    start: unknown;
    outcome: string | null;
    status: string | null;
    billsec: number | string | null;
    cost: unknown;
    tariff_cost: unknown;
    currency: string | null;
    buy_cost: unknown;
    margin: unknown;
  }>;
  const out = new Map<string, TrunkDay>();
  for (const r of rows) {
    const day = fromDbTime(r.start)!.toISOString().slice(0, 10);
    const currency = r.currency ?? '';
    const key = `${day}\u0000${r.trunk}\u0000${currency}`;
    let d = out.get(key);
    if (!d) {
      d = {
        day,
        trunk: r.trunk,
        currency,
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
    d.sell += moneyFromDb(r.tariff_cost ?? r.cost ?? 0);
    d.buy += r.buy_cost === null ? 0n : moneyFromDb(r.buy_cost);
    d.margin += r.margin === null ? 0n : moneyFromDb(r.margin);
  }
  const order = (d: TrunkDay) => [d.day, d.trunk, d.currency];
  const list = [...out.values()].sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    const i = x.findIndex((v, k) => v !== y[k]);
    return i < 0 ? 0 : x[i]! < y[i]! ? -1 : 1;
  });
  for (const d of list) {
    d.asrPercent = Math.floor((d.answered * 100) / d.attempts);
    d.acdSeconds = d.answered ? Math.floor(d.billsec / d.answered) : null;
  }
  return list;
}

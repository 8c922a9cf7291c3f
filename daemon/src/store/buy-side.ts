/**
 * The buy side of a settled call (routing): the answering trunk's buy-rate snapshot comes with
 * settle's locking read (store/tx/settle.ts joins the ANSWERED astcallattempt row, so no extra
 * round trip), and the CDR gets the trunk, buy cost and margin in the same transaction.
 */
import type { Knex } from 'knex';
import { callCost, moneyFromDb, type Money, type Rate } from '../rating/index.js';
import { deferred } from './mysql-client.js';

export const BUY_COLUMNS = [
  't.trunk as buy_trunk',
  't.prefix as buy_prefix',
  't.rate_per_min as buy_rate_per_min',
  't.connect_fee as buy_connect_fee',
  't.initial_secs as buy_initial_secs',
  't.increment_secs as buy_increment_secs',
  't.min_secs as buy_min_secs',
] as const;

export interface BuyColumns {
  buy_trunk?: string | null;
  buy_prefix?: string | null;
  buy_rate_per_min?: unknown;
  buy_connect_fee?: unknown;
  buy_initial_secs?: number | string | null;
  buy_increment_secs?: number | string | null;
  buy_min_secs?: number | string | null;
}

export function buySnapshot(row: BuyColumns): Rate | undefined {
  if (!row.buy_trunk) return undefined;
  return {
    tariff: row.buy_trunk,
    prefix: row.buy_prefix ?? '',
    description: '',
    ratePerMin: moneyFromDb(row.buy_rate_per_min),
    connectFee: moneyFromDb(row.buy_connect_fee),
    initialSecs: Number(row.buy_initial_secs),
    incrementSecs: Number(row.buy_increment_secs),
    minSecs: Number(row.buy_min_secs),
  };
}

export async function writeBuySide(
  trx: Knex.Transaction,
  uniqueid: string,
  buy: Rate,
  billsec: number,
  sellCost: Money,
): Promise<void> {
  const buyCost = callCost(buy, billsec);
  await deferred(
    trx('astcdr')
      .where({ uniqueid })
      .update({ trunk: buy.tariff, buy_cost: buyCost, margin: sellCost - buyCost }),
  );
}

/**
 * The buy-rate snapshot of the call's answering (or still ringing) trunk attempt, for a CDR
 * written outside settle (an outage call charged at journal replay, resilience/late-charge.ts).
 */
export async function answeredBuy(trx: Knex, uniqueid: string): Promise<Rate | undefined> {
  const row = (await trx('astcallattempt as t')
    .where('t.uniqueid', uniqueid)
    .andWhere((w) => w.where('t.outcome', 'ANSWERED').orWhereNull('t.outcome'))
    .orderBy('t.id', 'desc')
    .first(...BUY_COLUMNS)) as BuyColumns | undefined;
  return row ? buySnapshot(row) : undefined;
}

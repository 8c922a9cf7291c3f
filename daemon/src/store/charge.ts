/**
 * The money writes that end a charged call, inside its transaction on the locked account: the
 * balance less the cost, the call's hold released from `reserved`, and a 'charge' ledger entry
 * when anything was charged (balance = ledger sum). Both settle transactions end with it
 * (store/tx/settle.ts, and resilience/late-charge.ts for calls of a database outage).
 */
import type { Knex } from 'knex';
import type { Money } from '../rating/index.js';
import { writeAccountMoney } from './accounts.js';
import { appendLedger } from './ledger.js';

export interface CallCharge {
  cost: Money;
  /** What the call's reservation held (0 when it had none). */
  released: Money;
  /** The call's uniqueid. */
  reference: string;
  note: string | null;
  /** When the call ended (the ledger entry's time). */
  at: Date;
  now: Date;
}

/** Writes the charge; returns the balance after it. */
export async function chargeCall(
  trx: Knex.Transaction,
  account: { id: number; balance: Money; reserved: Money },
  c: CallCharge,
): Promise<Money> {
  const balanceAfter = account.balance - c.cost;
  await writeAccountMoney(
    trx,
    account.id,
    { balance: balanceAfter, reserved: account.reserved - c.released },
    c.now,
  );
  if (c.cost > 0n) {
    await appendLedger(trx, {
      accountId: account.id,
      kind: 'charge',
      amount: -c.cost,
      balanceAfter,
      reference: c.reference,
      note: c.note,
      created: c.at,
    });
  }
  return balanceAfter;
}

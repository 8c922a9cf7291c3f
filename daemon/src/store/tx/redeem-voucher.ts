/**
 * redeemVoucher: credit an account with one voucher code, in ONE transaction, at most once.
 *
 * Inputs:  the code's hash (batches/vouchers.ts voucherHash), the account name, an optional
 *          actor (who: then an astaudit row too), `via` (api | cli | phone: recorded on the ledger).
 * Locks:   the astvoucher row FIRST (MySQL `SELECT … FOR UPDATE`; SQLite BEGIN IMMEDIATE), then
 *          the astaccount row. Two redemptions of one code (two daemons, two API calls) queue on
 *          the voucher row: the second sees it used. The ledger reference `voucher:<id>` is
 *          UNIQUE as well, so even a lost lock could not credit twice.
 * Writes:  astvoucher used_at, account_id, ledger_id; astaccount.balance += value; one astledger
 *          'topup' row (reference voucher:<id>); astoutbox 'voucher_redeemed' (and 'large_topup'
 *          when the account's threshold is reached); with an actor, astaudit.
 * Results: { ok: true, credited: true, entry }  booked now
 *          { ok: true, credited: false, entry } this account redeemed this code before (a retry)
 *          { ok: false, why }  unknown (no such code) | used (by another account) | disabled
 *                              (batch disabled) | expired (batch expired) | currency (the
 *                              voucher's currency is not the account's)
 * Throws:  StoreError NOT_FOUND (no account).
 */
import type { Knex } from 'knex';
import { formatMoney, moneyFromDb, type Money } from '../../rating/index.js';
import { lockAccount } from '../accounts.js';
import { dialectOf, type Db } from '../db.js';
import { StoreError } from '../errors.js';
import { ledgerByReference, type LedgerEntry } from '../ledger.js';
import { recordAudit, type Actor } from '../operators/audit.js';
import { emitEvent, eventMoney } from '../outbox.js';
import { fromDbTime, toDbTime } from '../time.js';
import { bookCredit, topupEvent } from './topup.js';
import type { VoucherRefusal } from '../../session/voucher-ports.js';

export type RedeemResult =
  | { ok: true; credited: boolean; entry: LedgerEntry; value: Money; currency: string }
  | { ok: false; why: VoucherRefusal };

export interface RedeemRequest {
  codeHash: string;
  account: string;
  via: 'api' | 'cli' | 'phone';
  actor?: Actor | undefined;
  now?: Date;
}

interface VoucherRow {
  id: number | string;
  batch_id: number | string;
  used_at: unknown;
  account_id: number | string | null;
}

function voucherQuery(trx: Knex.Transaction, codeHash: string): Knex.QueryBuilder {
  const q = trx('astvoucher').where({ code_hash: codeHash }).first();
  return dialectOf(trx) === 'mysql' ? q.forUpdate() : q;
}

export async function redeemVoucher(db: Db, req: RedeemRequest): Promise<RedeemResult> {
  return db.tx(async (trx): Promise<RedeemResult> => {
    const v = (await voucherQuery(trx, req.codeHash)) as VoucherRow | undefined;
    if (!v) return { ok: false, why: 'unknown' };
    const acc = (await trx('astaccount').where({ name: req.account }).first('id', 'currency')) as
      { id: number | string; currency: string } | undefined;
    if (!acc) throw new StoreError('NOT_FOUND', `no account '${req.account}'`);
    const reference = `voucher:${Number(v.id)}`;
    if (v.used_at !== null) {
      const first = await ledgerByReference(trx, 'topup', reference);
      if (first && Number(v.account_id) === Number(acc.id))
        return {
          ok: true,
          credited: false,
          entry: first,
          value: first.amount,
          currency: acc.currency,
        };
      return { ok: false, why: 'used' };
    }
    const batch = (await trx('astbatch').where({ id: v.batch_id }).first()) as {
      id: number | string;
      value: unknown;
      currency: string;
      expires: unknown;
      state: string;
    };
    const now = req.now ?? new Date();
    if (batch.state !== 'active') return { ok: false, why: 'disabled' };
    const expires = fromDbTime(batch.expires);
    if (expires && expires.getTime() <= now.getTime()) return { ok: false, why: 'expired' };
    const account = (await lockAccount(trx, Number(acc.id)))!;
    if (account.currency !== batch.currency) return { ok: false, why: 'currency' };
    const value = moneyFromDb(batch.value);
    const booked = await bookCredit(
      trx,
      account,
      {
        kind: 'topup',
        amount: value,
        reference,
        note: `voucher batch ${Number(batch.id)} (${req.via})`,
      },
      now,
    );
    const { id, balanceAfter } = booked;
    const used = await trx('astvoucher')
      .where({ id: v.id, used_at: null })
      .update({ used_at: toDbTime(now), account_id: account.id, ledger_id: id });
    // The row was read locked and unused: anything else means the lock did not hold.
    if (used !== 1)
      throw new StoreError('CONFLICT', `voucher ${Number(v.id)} changed while redeemed`);
    await emitEvent(trx, {
      kind: 'voucher_redeemed',
      cause: reference,
      accountId: account.id,
      at: now,
      data: {
        account: account.name,
        amount: eventMoney(value),
        balance: eventMoney(balanceAfter),
        batch: Number(batch.id),
        reference,
        via: req.via,
      },
    });
    await topupEvent(trx, account.name, booked);
    if (req.actor)
      await recordAudit(trx, {
        actor: req.actor,
        action: 'voucher.redeem',
        target: `account:${account.name}`,
        before: { balance: formatMoney(account.balance) },
        after: { balance: formatMoney(balanceAfter), amount: formatMoney(value), reference },
        at: now,
      });
    return { ok: true, credited: true, entry: booked, value, currency: account.currency };
  });
}

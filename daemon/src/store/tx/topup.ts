/**
 * topup / adjust: credit (or, for an adjustment, correct) an account's balance, in ONE
 * transaction.
 *
 * Inputs:  account name, amount (top-up: > 0; adjustment: ≠ 0, signed), optional reference
 *          (e.g. a payment id; unique per kind, so the same payment cannot be booked twice),
 *          optional note, optional actor (who: then an astaudit row is written too).
 * Locks:   the astaccount row (MySQL `SELECT … FOR UPDATE`; SQLite BEGIN IMMEDIATE).
 * Writes:  astaccount.balance += amount; one astledger row (kind, amount, balance after);
 *          with an actor, one astaudit row (balance before and after) in the same transaction;
 *          a 'large_topup' astoutbox row when the account's threshold is reached.
 * Results: the ledger entry written.
 * Throws:  StoreError NOT_FOUND (no account), INVALID (amount), DUPLICATE (reference used).
 */
import type { Money } from '../../rating/index.js';
import { formatMoney } from '../../rating/index.js';
import type { Knex } from 'knex';
import type { Account } from '../../session/ports.js';
import { lockAccount, writeAccountMoney } from '../accounts.js';
import type { Db } from '../db.js';
import { StoreError, amountProblem, isUniqueViolation } from '../errors.js';
import { insertLedger, type LedgerEntry } from '../ledger.js';
import { recordAudit, type Actor } from '../operators/audit.js';
import { emitEvent, eventMoney, thresholds } from '../outbox.js';

/** A 'large_topup' event when the account's threshold (astcap large_topup) is reached. */
export async function topupEvent(
  trx: Knex.Transaction,
  name: string,
  e: LedgerEntry,
): Promise<void> {
  if (e.kind !== 'topup') return;
  const { largeTopup } = await thresholds(trx, e.accountId);
  if (largeTopup === null || e.amount < largeTopup) return;
  await emitEvent(trx, {
    kind: 'large_topup',
    cause: `ledger:${e.id}`,
    accountId: e.accountId,
    at: e.created,
    data: {
      account: name,
      amount: eventMoney(e.amount),
      balance: eventMoney(e.balanceAfter),
      reference: e.reference,
    },
  });
}

/**
 * Books `amount` onto a locked account (top-up, adjustment, redeemed voucher): the new balance
 * (refused beyond the exact range), the account's money row and the ledger entry, in `trx`.
 */
export async function bookCredit(
  trx: Knex.Transaction,
  account: Pick<Account, 'id' | 'balance' | 'reserved'>,
  credit: {
    kind: 'topup' | 'adjustment';
    amount: Money;
    reference: string | null;
    note: string | null;
  },
  now: Date,
): Promise<LedgerEntry> {
  const balanceAfter = account.balance + credit.amount;
  const tooLarge = amountProblem('the resulting balance', balanceAfter);
  if (tooLarge) throw new StoreError('INVALID', tooLarge);
  await writeAccountMoney(
    trx,
    account.id,
    { balance: balanceAfter, reserved: account.reserved },
    now,
  );
  const { kind, amount, reference, note } = credit;
  const entry = {
    accountId: account.id,
    kind,
    amount,
    balanceAfter,
    reference,
    note,
    created: now,
  };
  return { id: await insertLedger(trx, entry), ...entry };
}

export interface TopupRequest {
  account: string;
  amount: Money;
  kind?: 'topup' | 'adjustment';
  reference?: string | null | undefined;
  note?: string | null | undefined;
  now?: Date;
  actor?: Actor | undefined;
}

export async function topup(db: Db, req: TopupRequest): Promise<LedgerEntry> {
  const kind = req.kind ?? 'topup';
  if (kind === 'topup' && req.amount <= 0n)
    throw new StoreError('INVALID', `a top-up must be positive, got ${formatMoney(req.amount)}`);
  if (kind === 'adjustment' && req.amount === 0n)
    throw new StoreError('INVALID', 'an adjustment of 0 changes nothing');
  const reference = req.reference ?? null;
  if (reference !== null && (reference.length === 0 || reference.length > 150))
    throw new StoreError('INVALID', 'a reference must be 1-150 characters');
  try {
    return await db.tx(async (trx) => {
      const row = (await trx('astaccount').where({ name: req.account }).first('id')) as
        { id: number | string } | undefined;
      if (!row) throw new StoreError('NOT_FOUND', `no account '${req.account}'`);
      const account = (await lockAccount(trx, Number(row.id)))!;
      const now = req.now ?? new Date();
      const booked = await bookCredit(
        trx,
        account,
        { kind, amount: req.amount, reference, note: req.note ?? null },
        now,
      );
      const { id, balanceAfter } = booked;
      if (req.actor)
        await recordAudit(trx, {
          actor: req.actor,
          action: kind,
          target: `account:${req.account}`,
          before: { balance: formatMoney(account.balance) },
          after: {
            balance: formatMoney(balanceAfter),
            amount: formatMoney(req.amount),
            reference,
            ledgerId: id,
          },
          at: now,
        });
      await topupEvent(trx, req.account, booked);
      return booked;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new StoreError(
        'DUPLICATE',
        `${kind} reference '${reference ?? ''}' was already booked`,
        { cause: err },
      );
    throw err;
  }
}

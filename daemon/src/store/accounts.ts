/**
 * The astaccount and astani tables: reading accounts, locking one for a money transaction,
 * creating one (with its ANIs and the opening ledger row), blocking and unblocking.
 */
import type { Knex } from 'knex';
import { CURRENCY, formatMoney, moneyFromDb, type Money } from '../rating/index.js';
import type { Account, AccountStatus } from '../session/ports.js';
import { dialectOf, type Db } from './db.js';
import { StoreError, amountProblem, isUniqueViolation } from './errors.js';
import { insertLedger } from './ledger.js';
import { recordAudit, type Actor } from './operators/audit.js';
import { deferred } from './mysql-client.js';
import { DEFAULT_PIN_MIN_LENGTH, pinProblem, type PinHasher } from './pin.js';
import { tariffExists, tariffProblem } from './rates.js';
import { requiredTime, toDbTime } from './time.js';

export interface AccountRow {
  id: number | string;
  name: string;
  pin_hash: string | null;
  status: string;
  balance: unknown;
  reserved: unknown;
  credit_limit: unknown;
  currency: string;
  tariff: string;
  max_calls: number | null;
  max_seconds: number | null;
  charging_mode?: string | null;
  grant_seconds?: number | string | null;
  created: unknown;
  updated: unknown;
}

/** An account with what an operator looks at besides the call-flow fields. */
export interface AccountDetails extends Account {
  anis: string[];
  liveCalls: number;
  created: Date;
  updated: Date;
}

export interface NewAccount {
  name: string;
  /** Opening balance (≥ 0); written to the ledger as a top-up so balance = Σ ledger from the start. */
  balance: Money;
  pin?: string | undefined;
  anis?: readonly string[] | undefined;
  /** Default 'default'. Must exist (have at least one rate). */
  tariff?: string | undefined;
  creditLimit?: Money | undefined;
  maxCalls?: number | null | undefined;
  maxSeconds?: number | null | undefined;
  /** ISO 4217 code, default EUR. */
  currency?: string | undefined;
}

export function toAccount(row: AccountRow): Account {
  return {
    id: Number(row.id),
    name: row.name,
    status: row.status === 'blocked' ? 'blocked' : 'active',
    balance: moneyFromDb(row.balance),
    creditLimit: moneyFromDb(row.credit_limit),
    reserved: moneyFromDb(row.reserved),
    currency: row.currency,
    tariff: row.tariff,
    maxCalls: row.max_calls === null ? null : Number(row.max_calls),
    maxCallSeconds: row.max_seconds === null ? null : Number(row.max_seconds),
    hasPin: row.pin_hash !== null,
  };
}

/** balance + credit limit − reserved: what new reservations may still take. */
export function available(a: Pick<Account, 'balance' | 'creditLimit' | 'reserved'>): Money {
  return a.balance + a.creditLimit - a.reserved;
}

async function one(query: Knex.QueryBuilder): Promise<Account | undefined> {
  const row = (await query.first()) as AccountRow | undefined;
  return row ? toAccount(row) : undefined;
}

export function accountById(q: Knex, id: number): Promise<Account | undefined> {
  return one(q('astaccount').where({ id }));
}

export function accountByName(q: Knex, name: string): Promise<Account | undefined> {
  return one(q('astaccount').where({ name }));
}

export function accountByAni(q: Knex, number: string): Promise<Account | undefined> {
  return one(
    q('astaccount')
      .select('astaccount.*')
      .join('astani', 'astani.account_id', 'astaccount.id')
      .where('astani.number', number),
  );
}

export function accountByPinHash(q: Knex, pinHash: string): Promise<Account | undefined> {
  return one(q('astaccount').where({ pin_hash: pinHash }));
}

/**
 * Reads the account inside a money transaction with its row write-locked: `SELECT … FOR UPDATE`
 * on MySQL; on SQLite the transaction already holds the database write lock (BEGIN IMMEDIATE).
 * The caller must also WRITE the row before committing (see writeAccountMoney) so that Galera
 * certification catches concurrent writers on other nodes.
 */
export function lockAccount(trx: Knex.Transaction, id: number): Promise<Account | undefined> {
  return one(lockAccountQuery(trx, id));
}

/** The locking read of lockAccount as a query, to send together with other reads (rows: AccountRow). */
export function lockAccountQuery(trx: Knex.Transaction, id: number): Knex.QueryBuilder {
  const query = trx('astaccount').where({ id }).limit(1);
  return dialectOf(trx) === 'mysql' ? query.forUpdate() : query;
}

/** Writes the money columns of a locked account (absolute values computed from the locked read). */
export async function writeAccountMoney(
  trx: Knex.Transaction,
  id: number,
  money: { balance: Money; reserved: Money },
  now: Date,
): Promise<void> {
  await deferred(
    trx('astaccount')
      .where({ id })
      .update({ balance: money.balance, reserved: money.reserved, updated: toDbTime(now) }),
  );
}

/** The name of the account a caller ID (ANI) belongs to, if any: each number has one owner. */
export async function aniOwner(q: Knex, number: string): Promise<string | undefined> {
  const owner = (await q('astani')
    .join('astaccount', 'astaccount.id', 'astani.account_id')
    .where('astani.number', number)
    .first('astaccount.name')) as { name: string } | undefined;
  return owner?.name;
}

export async function anisOf(q: Knex, accountId: number): Promise<string[]> {
  const rows = (await q('astani')
    .where({ account_id: accountId })
    .orderBy('number')
    .select('number')) as Array<{ number: string }>;
  return rows.map((r) => r.number);
}

async function details(q: Knex, row: AccountRow): Promise<AccountDetails> {
  const account = toAccount(row);
  const [{ n }] = (await q('astcreditres').where({ account_id: account.id }).count({ n: '*' })) as [
    { n: unknown },
  ];
  return {
    ...account,
    anis: await anisOf(q, account.id),
    liveCalls: Number(n),
    created: requiredTime(row.created),
    updated: requiredTime(row.updated),
  };
}

export async function accountDetails(q: Knex, name: string): Promise<AccountDetails | undefined> {
  const row = (await q('astaccount').where({ name }).first()) as AccountRow | undefined;
  return row ? details(q, row) : undefined;
}

export async function listAccounts(q: Knex): Promise<AccountDetails[]> {
  const rows = (await q('astaccount').orderBy('name')) as AccountRow[];
  const anis = (await q('astani').select('account_id', 'number').orderBy('number')) as Array<{
    account_id: number | string;
    number: string;
  }>;
  const live = (await q('astcreditres')
    .select('account_id')
    .count({ n: '*' })
    .groupBy('account_id')) as Array<{ account_id: number | string; n: unknown }>;
  const liveBy = new Map(live.map((r) => [Number(r.account_id), Number(r.n)]));
  return rows.map((row) => {
    const account = toAccount(row);
    return {
      ...account,
      anis: anis.filter((a) => Number(a.account_id) === account.id).map((a) => a.number),
      liveCalls: liveBy.get(account.id) ?? 0,
      created: requiredTime(row.created),
      updated: requiredTime(row.updated),
    };
  });
}

export function accountNameProblem(name: string): string | undefined {
  return /^[A-Za-z0-9_.@+-]{1,80}$/.test(name)
    ? undefined
    : `account name '${name}' must be 1-80 letters, digits or _ . @ + -`;
}

export function aniProblem(ani: string): string | undefined {
  return /^\+?\d{1,39}$/.test(ani)
    ? undefined
    : `ANI '${ani}' must be digits (optionally starting with +)`;
}

function validate(input: NewAccount, pinMinLength: number): void {
  const problems = [
    accountNameProblem(input.name),
    input.balance < 0n ? 'balance must not be negative' : undefined,
    amountProblem('balance', input.balance),
    (input.creditLimit ?? 0n) < 0n ? 'credit limit must not be negative' : undefined,
    amountProblem('credit limit', input.creditLimit ?? 0n),
    input.pin !== undefined ? pinProblem(input.pin, pinMinLength) : undefined,
    ...(input.anis ?? []).map(aniProblem),
    input.tariff !== undefined ? tariffProblem(input.tariff) : undefined,
    input.currency !== undefined && !CURRENCY.test(input.currency)
      ? 'currency must be a 3-letter code such as EUR'
      : undefined,
    input.maxCalls != null && (!Number.isInteger(input.maxCalls) || input.maxCalls < 0)
      ? 'max calls must be a whole number ≥ 0'
      : undefined,
    input.maxSeconds != null &&
    (!Number.isInteger(input.maxSeconds) || input.maxSeconds < 1 || input.maxSeconds > 86_400)
      ? 'max seconds must be 1..86400'
      : undefined,
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new StoreError('INVALID', problems[0]!);
  const anis = input.anis ?? [];
  const dup = anis.find((a, i) => anis.indexOf(a) !== i);
  if (dup !== undefined) throw new StoreError('INVALID', `ANI ${dup} is given twice`);
}

/** Creates an account, its ANIs and its opening ledger row in ONE transaction (all or nothing). */
export async function addAccount(
  db: Db,
  input: NewAccount,
  hashPin: PinHasher,
  now: Date = new Date(),
  pinMinLength = DEFAULT_PIN_MIN_LENGTH,
  actor?: Actor,
): Promise<AccountDetails> {
  validate(input, pinMinLength);
  const tariff = input.tariff ?? 'default';
  const pinHash = input.pin !== undefined ? hashPin(input.pin) : null;
  try {
    return await db.tx(async (trx) => {
      if (await trx('astaccount').where({ name: input.name }).first('id')) {
        throw new StoreError('DUPLICATE', `account '${input.name}' already exists`);
      }
      if (pinHash !== null && (await trx('astaccount').where({ pin_hash: pinHash }).first('id'))) {
        throw new StoreError('DUPLICATE', 'that PIN is already used by another account');
      }
      for (const number of input.anis ?? []) {
        const owner = await aniOwner(trx, number);
        if (owner)
          throw new StoreError('DUPLICATE', `ANI ${number} already belongs to account '${owner}'`);
      }
      if (!(await tariffExists(trx, tariff))) {
        throw new StoreError(
          'UNKNOWN_TARIFF',
          `unknown tariff '${tariff}': it has no rates (add one with 'astbill rate add --tariff ${tariff} ...')`,
        );
      }
      const stamp = toDbTime(now);
      const [id] = (await trx('astaccount').insert({
        name: input.name,
        pin_hash: pinHash,
        status: 'active',
        balance: input.balance,
        reserved: 0n,
        credit_limit: input.creditLimit ?? 0n,
        currency: input.currency ?? 'EUR',
        tariff,
        max_calls: input.maxCalls ?? null,
        max_seconds: input.maxSeconds ?? null,
        created: stamp,
        updated: stamp,
      })) as [number];
      const accountId = Number(id);
      for (const number of input.anis ?? [])
        await trx('astani').insert({ number, account_id: accountId });
      if (input.balance !== 0n) {
        await insertLedger(trx, {
          accountId,
          kind: 'topup',
          amount: input.balance,
          balanceAfter: input.balance,
          reference: null,
          note: 'opening balance',
          created: now,
        });
      }
      const row = (await trx('astaccount').where({ id: accountId }).first()) as AccountRow;
      if (actor)
        await recordAudit(trx, {
          actor,
          action: 'account.create',
          target: `account:${input.name}`,
          before: null,
          after: {
            balance: formatMoney(input.balance),
            creditLimit: formatMoney(input.creditLimit ?? 0n),
            tariff,
            currency: input.currency ?? 'EUR',
            maxCalls: input.maxCalls ?? null,
            maxSeconds: input.maxSeconds ?? null,
            pin: pinHash !== null,
            anis: input.anis ?? [],
          },
          at: now,
        });
      return details(trx, row);
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new StoreError(
        'DUPLICATE',
        `account '${input.name}', its PIN or an ANI already exists`,
        { cause: err },
      );
    throw err;
  }
}

/** Blocks or unblocks an account (writes the row, so it serialises with money transactions). */
export async function setAccountStatus(
  db: Db,
  name: string,
  status: AccountStatus,
  now: Date = new Date(),
  actor?: Actor,
): Promise<Account> {
  return db.tx(async (trx) => {
    const before = (await trx('astaccount').where({ name }).first('status')) as
      { status: string } | undefined;
    const n = await trx('astaccount')
      .where({ name })
      .update({ status, updated: toDbTime(now) });
    if (n === 0) throw new StoreError('NOT_FOUND', `no account '${name}'`);
    const account = await accountByName(trx, name);
    if (actor)
      await recordAudit(trx, {
        actor,
        action: status === 'blocked' ? 'block' : 'unblock',
        target: `account:${name}`,
        before: { status: before?.status ?? null },
        after: { status },
        at: now,
      });
    return account!;
  });
}

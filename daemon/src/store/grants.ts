/**
 * Rows that grant-mode charging and callback calls read and write, used only inside the money
 * transactions (tx/authorise, tx/extend, tx/authorise-callback): the account's charging
 * settings, locked reads of a CDR and its reservation, the grown reservation, the CDR's interim
 * checkpoint and callback link.
 */
import type { Knex } from 'knex';
import { moneyFromDb, type Money } from '../rating/index.js';
import type { ChargingDefaults, ChargingMode } from '../session/grant-ports.js';
import type { AccountRow } from './accounts.js';
import { toCdr, type Cdr, type CdrRow } from './cdrs.js';
import { dialectOf, type Db } from './db.js';
import { deferred } from './mysql-client.js';
import { recordAudit, type Actor } from './operators/audit.js';
import { fromDbTime, toDbTime } from './time.js';

/** The charging mode and slice in force for an account: its own settings, else the defaults. */
export async function chargingOf(
  q: Knex,
  accountId: number,
  defaults: ChargingDefaults,
): Promise<ChargingDefaults> {
  const row = (await q('astaccount')
    .where({ id: accountId })
    .first('charging_mode', 'grant_seconds')) as
    Pick<AccountRow, 'charging_mode' | 'grant_seconds'> | undefined;
  return chargingIn(row, defaults);
}

/** chargingOf for an account row already read. */
export function chargingIn(
  row: Pick<AccountRow, 'charging_mode' | 'grant_seconds'> | undefined,
  defaults: ChargingDefaults,
): ChargingDefaults {
  const mode: ChargingMode =
    row?.charging_mode === 'grant' || row?.charging_mode === 'single'
      ? row.charging_mode
      : defaults.mode;
  const own =
    row?.grant_seconds === null || row?.grant_seconds === undefined
      ? null
      : Number(row.grant_seconds);
  return { mode, grantSeconds: own !== null && own > 0 ? own : defaults.grantSeconds };
}

/** An account's own charging settings (null = the daemon's default), for operators. */
export async function setCharging(
  db: Db,
  accountId: number,
  c: { mode: ChargingMode | null; grantSeconds: number | null },
  audit?: { actor: Actor; target: string },
): Promise<void> {
  await db.tx(async (trx) => {
    const before = (await trx('astaccount')
      .where({ id: accountId })
      .first('charging_mode', 'grant_seconds')) as
      Pick<AccountRow, 'charging_mode' | 'grant_seconds'> | undefined;
    await trx('astaccount')
      .where({ id: accountId })
      .update({ charging_mode: c.mode, grant_seconds: c.grantSeconds });
    if (audit)
      await recordAudit(trx, {
        ...audit,
        action: 'charging',
        before: {
          mode: before?.charging_mode ?? null,
          grantSeconds: before?.grant_seconds == null ? null : Number(before.grant_seconds),
        },
        after: { mode: c.mode, grantSeconds: c.grantSeconds },
      });
  });
}

/** The CDR with a locking read (MySQL `FOR UPDATE`; SQLite holds the write lock already). */
export async function lockedCdr(trx: Knex.Transaction, uniqueid: string): Promise<Cdr | undefined> {
  const q = trx('astcdr').where({ uniqueid });
  const row = (await (dialectOf(trx) === 'mysql' ? q.forUpdate() : q).first()) as
    CdrRow | undefined;
  return row ? toCdr(row) : undefined;
}

export async function lockedReservation(
  trx: Knex.Transaction,
  uniqueid: string,
): Promise<{ maxSeconds: number; maxCost: Money } | undefined> {
  const q = trx('astcreditres').where({ uniqueid }).select('max_seconds', 'max_cost');
  const row = (await (dialectOf(trx) === 'mysql' ? q.forUpdate() : q).first()) as
    { max_seconds: number | string; max_cost: unknown } | undefined;
  return row
    ? { maxSeconds: Number(row.max_seconds), maxCost: moneyFromDb(row.max_cost) }
    : undefined;
}

export async function growReservation(
  trx: Knex.Transaction,
  uniqueid: string,
  maxSeconds: number,
  maxCost: Money,
): Promise<void> {
  await deferred(
    trx('astcreditres').where({ uniqueid }).update({ max_seconds: maxSeconds, max_cost: maxCost }),
  );
}

/** Grant-mode columns of an open CDR: the grant count and (at extensions) the interim checkpoint. */
export async function writeGrantOnCdr(
  trx: Knex.Transaction,
  uniqueid: string,
  g: {
    grants: number;
    maxSeconds: number;
    maxCost: Money;
    checkpoint?: { seconds: number; at: Date };
  },
): Promise<void> {
  await deferred(
    trx('astcdr')
      .where({ uniqueid, status: 'open' })
      .update({
        grants: g.grants,
        max_seconds: g.maxSeconds,
        max_cost: g.maxCost,
        // Upwards only, in SQL as well: the periodic checkpointer writes the column without the account lock.
        ...(g.checkpoint
          ? {
              checkpoint_secs: trx.raw(
                `${dialectOf(trx) === 'mysql' ? 'GREATEST' : 'MAX'}(COALESCE(checkpoint_secs, 0), ?)`,
                [g.checkpoint.seconds],
              ),
              checkpoint_at: toDbTime(g.checkpoint.at),
            }
          : {}),
      }),
  );
}

export interface GrantColumns {
  grants: number;
  checkpointSecs: number | null;
  checkpointAt: Date | null;
  callbackId: string | null;
}

/**
 * The grant and callback columns of a CDR (not part of `Cdr`, which every CDR reader shares).
 * Inside a money transaction pass `lock`: on MySQL a plain read returns the transaction's
 * snapshot (taken at its first read, maybe before the account lock was granted), a locking read
 * the latest committed row.
 */
export async function grantColumns(
  q: Knex,
  uniqueid: string,
  opts: { lock?: boolean } = {},
): Promise<GrantColumns | undefined> {
  const query = q('astcdr').where({ uniqueid });
  const row = (await (opts.lock && dialectOf(q) === 'mysql' ? query.forUpdate() : query).first(
    'grants',
    'checkpoint_secs',
    'checkpoint_at',
    'callback_id',
  )) as
    | {
        grants: number | string;
        checkpoint_secs: number | string | null;
        checkpoint_at: unknown;
        callback_id: string | null;
      }
    | undefined;
  if (!row) return undefined;
  return {
    grants: Number(row.grants),
    checkpointSecs: row.checkpoint_secs === null ? null : Number(row.checkpoint_secs),
    checkpointAt: fromDbTime(row.checkpoint_at),
    callbackId: row.callback_id,
  };
}

/** Links a CDR to its callback call. */
export async function linkCallback(
  trx: Knex.Transaction,
  uniqueid: string,
  callbackId: string,
): Promise<void> {
  await trx('astcdr').where({ uniqueid }).update({ callback_id: callbackId });
}

/** The CDRs of one callback call, A leg first. */
export async function callbackCdrIds(q: Knex, callbackId: string): Promise<string[]> {
  const rows = (await q('astcdr')
    .where({ callback_id: callbackId })
    .orderBy('id')
    .select('uniqueid')) as Array<{ uniqueid: string }>;
  return rows.map((r) => r.uniqueid);
}

/**
 * Talk-time checkpoints on open CDRs (astcdr.checkpoint_secs / checkpoint_at, migration 0003):
 * the confirmed talk time of a running call, written periodically so that a crash costs the
 * operator at most one checkpoint interval, and read back by restart reconciliation as the
 * lower bound of what an ended call is billed.
 *
 * saveCheckpoints  one UPDATE per batch (CASE over the uniqueids), only on OPEN CDRs, and only
 *                  upwards (a checkpoint never moves back). Touches no money and no account
 *                  row, so it never conflicts with authorise/settle on the account lock.
 * openCdrs         this node's open CDRs with their answer time and last checkpoint.
 * asteriskEnd      the end of a call in Asterisk's own CDR (table asterisk_cdr, written by
 *                  cdr_adaptive_odbc when the operator set it up; empty otherwise).
 */
import type { Knex } from 'knex';
import { dialectOf, type Db } from './db.js';
import type { OneTrip } from './mysql-client.js';
import { fromDbTime, requiredTime, toDbTime } from './time.js';
import type { Checkpoint, CheckpointStore, OpenCdr } from '../session/ports.js';

// The port types are the session's (the store implements them); re-exported for store users.
export type { Checkpoint, CheckpointStore, OpenCdr } from '../session/ports.js';

const BATCH = 200;

export async function saveCheckpoints(
  knex: Knex,
  list: readonly Checkpoint[],
  at: Date,
  oneTrip?: OneTrip,
): Promise<number> {
  const greatest = dialectOf(knex) === 'mysql' ? 'GREATEST' : 'MAX';
  let changed = 0;
  for (let i = 0; i < list.length; i += BATCH) {
    const chunk = list
      .slice(i, i + BATCH)
      .filter((c) => Number.isInteger(c.seconds) && c.seconds >= 0);
    if (chunk.length === 0) continue;
    const cases = chunk.map(() => 'WHEN ? THEN ?').join(' ');
    const caseBindings = chunk.flatMap((c) => [c.uniqueid, c.seconds]);
    const inList = chunk.map(() => '?').join(', ');
    const sql =
      `UPDATE astcdr SET checkpoint_secs = ${greatest}(COALESCE(checkpoint_secs, 0), CASE uniqueid ${cases} ELSE 0 END), checkpoint_at = ? ` +
      `WHERE status = 'open' AND uniqueid IN (${inList})`;
    const bindings = [...caseBindings, toDbTime(at), ...chunk.map((c) => c.uniqueid)];
    // MySQL: straight to a pooled connection, without knex's runner on every tick.
    const res: unknown = oneTrip
      ? await oneTrip.batch(sql, bindings)
      : await knex.raw(sql, bindings);
    changed += affectedRows(res);
  }
  return changed;
}

function affectedRows(res: unknown): number {
  // mysql2: [ResultSetHeader, fields] (Db.oneTrip: the ResultSetHeader); better-sqlite3 through knex: { changes } (or rows).
  const first = (Array.isArray(res) ? res[0] : res) as
    { affectedRows?: unknown; changes?: unknown } | undefined;
  if (typeof first?.affectedRows === 'number') return first.affectedRows;
  return typeof first?.changes === 'number' ? first.changes : 0;
}

interface OpenCdrRow {
  uniqueid: string;
  start: unknown;
  answer: unknown;
  max_seconds: number | string | null;
  checkpoint_secs: number | string | null;
  checkpoint_at: unknown;
  callback_id: string | null;
  dst: string | null;
  channel: string | null;
}

export async function openCdrs(knex: Knex, node: string): Promise<OpenCdr[]> {
  const rows = (await knex('astcdr as c')
    // A callback leg's answered trunk attempt: its channel (reconcile-callback.ts).
    .leftJoin('astcallattempt as t', (j) =>
      j
        .on('t.uniqueid', '=', 'c.uniqueid')
        .andOnNotNull('c.callback_id')
        .andOn('t.outcome', '=', knex.raw('?', ['ANSWERED'])),
    )
    .select(
      'c.uniqueid',
      'c.start',
      'c.answer',
      'c.max_seconds',
      'c.checkpoint_secs',
      'c.checkpoint_at',
      'c.callback_id',
      'c.dst',
      't.channel',
    )
    .where({ 'c.node': node, 'c.status': 'open' })
    .orderBy('c.id')) as OpenCdrRow[];
  return rows.map((r) => ({
    uniqueid: r.uniqueid,
    start: requiredTime(r.start),
    answer: fromDbTime(r.answer),
    maxSeconds: r.max_seconds === null ? null : Number(r.max_seconds),
    checkpointSecs: r.checkpoint_secs === null ? null : Number(r.checkpoint_secs),
    checkpointAt: fromDbTime(r.checkpoint_at),
    callbackId: r.callback_id ?? null,
    dst: r.dst ?? '',
    channel: r.channel ?? null,
  }));
}

export async function asteriskEnd(
  knex: Knex,
  channelIds: readonly string[],
  answer: Date,
): Promise<Date | null> {
  // Asterisk writes whole seconds: a row that ended within the answer's second counts.
  const floor = new Date(Math.floor(answer.getTime() / 1000) * 1000);
  const row = (await knex('asterisk_cdr')
    .whereIn('uniqueid', [...channelIds])
    .whereNotNull('answer')
    .where('end', '>=', toDbTime(floor))
    .min({ end: 'end' })
    .first()) as { end: unknown } | undefined;
  const end = fromDbTime(row?.end ?? null);
  return end && end.getTime() < answer.getTime() ? answer : end;
}

/** The CheckpointStore over an open database. */
export function knexCheckpoints(db: Db): CheckpointStore {
  return {
    saveCheckpoints: (list, at) => saveCheckpoints(db.knex, list, at, db.oneTrip),
    openCdrs: (node) => openCdrs(db.knex, node),
    asteriskEnd: (ids, answer) => asteriskEnd(db.knex, ids, answer),
  };
}

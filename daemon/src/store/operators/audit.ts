/**
 * The audit trail (astaudit): who changed what, when, with the state before and after as JSON
 * (money as decimal strings). `recordAudit` takes the caller's transaction so the row is written
 * in the same transaction as the change it describes: both land or neither does.
 */
import type { Knex } from 'knex';
import { requiredTime, toDbTime } from '../time.js';

/** Who makes a change: 'user:NAME', 'token:LABEL (NAME)', 'api-token', 'cli:USER'. */
export type Actor = string;

export type AuditState = Record<string, unknown> | null;

export interface AuditEntry {
  id: number;
  at: Date;
  actor: Actor;
  action: string;
  target: string;
  before: AuditState;
  after: AuditState;
}

export interface AuditWrite {
  actor: Actor;
  action: string;
  target: string;
  before: AuditState;
  after: AuditState;
  at?: Date | undefined;
}

export async function recordAudit(trx: Knex | Knex.Transaction, a: AuditWrite): Promise<void> {
  await trx('astaudit').insert({
    at: toDbTime(a.at ?? new Date()),
    actor: a.actor.slice(0, 120),
    action: a.action.slice(0, 40),
    target: a.target.slice(0, 120),
    before: a.before === null ? null : JSON.stringify(a.before),
    after: a.after === null ? null : JSON.stringify(a.after),
  });
}

export interface AuditFilter {
  target?: string | undefined;
  actor?: string | undefined;
  limit?: number | undefined;
}

/** Newest first. */
export async function listAudit(knex: Knex, f: AuditFilter = {}): Promise<AuditEntry[]> {
  const q = knex('astaudit')
    .orderBy('id', 'desc')
    .limit(Math.min(f.limit ?? 200, 1000));
  if (f.target) q.where('target', f.target);
  if (f.actor) q.where('actor', f.actor);
  const rows = (await q) as Record<string, unknown>[];
  const parse = (v: unknown): AuditState =>
    v === null || v === undefined ? null : (JSON.parse(String(v)) as AuditState);
  return rows.map((r) => ({
    id: Number(r.id),
    at: requiredTime(r.at),
    actor: String(r.actor),
    action: String(r.action),
    target: String(r.target),
    before: parse(r.before),
    after: parse(r.after),
  }));
}

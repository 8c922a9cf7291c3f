/**
 * Read-only views for operators' own SQL: the same rows with money as exact decimals
 * (DECIMAL(25,5) on MySQL; exact decimal text on SQLite, which has no exact decimal type).
 */
import type { Knex } from 'knex';
import { decimalExpr, dialectOf, quoteId } from './dialect.js';
import type { Dialect } from '../db.js';

export function viewSql(d: Dialect): Record<string, string> {
  const m = (expr: string) => decimalExpr(d, expr);
  const end = quoteId(d, 'end');
  return {
    astaccount_view: `SELECT a.id, a.name, a.status, a.currency, a.tariff,
  ${m('a.balance')} AS balance,
  ${m('a.reserved')} AS reserved,
  ${m('a.credit_limit')} AS credit_limit,
  ${m('a.balance + a.credit_limit - a.reserved')} AS available,
  (SELECT COUNT(*) FROM astcreditres r WHERE r.account_id = a.id) AS live_calls,
  a.max_calls, a.max_seconds, a.created, a.updated
FROM astaccount a`,
    astrate_view: `SELECT r.id, r.tariff, r.prefix, r.description,
  ${m('r.rate_per_min')} AS rate_per_min,
  ${m('r.connect_fee')} AS connect_fee,
  r.initial_secs, r.increment_secs, r.min_secs
FROM astrate r`,
    astcdr_view: `SELECT c.id, c.uniqueid, c.account_id, c.account, c.node, c.src, c.dst, c.tariff, c.prefix,
  ${m('c.rate_per_min')} AS rate_per_min,
  ${m('c.connect_fee')} AS connect_fee,
  c.initial_secs, c.increment_secs, c.min_secs,
  c.start, c.answer, c.${end}, c.duration, c.billsec, c.disposition, c.hangup_cause, c.reason,
  c.max_seconds,
  ${m('c.max_cost')} AS max_cost,
  ${m('c.cost')} AS cost,
  c.status, c.note
FROM astcdr c`,
    astledger_view: `SELECT l.id, l.account_id, a.name AS account, l.kind,
  ${m('l.amount')} AS amount,
  ${m('l.balance_after')} AS balance_after,
  l.reference, l.note, l.created
FROM astledger l JOIN astaccount a ON a.id = l.account_id`,
  };
}

export async function up(knex: Knex): Promise<void> {
  const d = dialectOf(knex);
  for (const [name, select] of Object.entries(viewSql(d))) {
    await knex.raw(`CREATE VIEW ${name} AS\n${select}`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const name of Object.keys(viewSql(dialectOf(knex))))
    await knex.raw(`DROP VIEW IF EXISTS ${name}`);
}

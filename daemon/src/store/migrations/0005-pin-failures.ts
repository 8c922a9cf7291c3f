/**
 * astpinfail: one row per wrong PIN (or voucher code) keyed on the calling-card path, so that the
 * guessing limits (session/guess-limiter.ts) survive a restart and hold across every daemon on
 * the database. Rows older than the counting window are deleted by the writers.
 *
 * kind    'pin' | 'voucher'
 * caller  the caller ID as the channel gave it; '' when there was none
 * node    the daemon that saw it (ASTBILL_NODE)
 * at      when (UTC, ms)
 */
import type { Knex } from 'knex';
import { dialectOf, tableOptions, timeColumn } from './dialect.js';

export async function up(knex: Knex): Promise<void> {
  const d = dialectOf(knex);
  await knex.schema.createTable('astpinfail', (t) => {
    tableOptions(t, d);
    t.bigIncrements('id');
    t.string('kind', 8).notNullable();
    t.string('caller', 80).notNullable();
    t.string('node', 32).notNullable();
    timeColumn(t, d, 'at').notNullable();
    t.index(['at'], 'astpinfail_at_idx');
    t.index(['caller', 'at'], 'astpinfail_caller_at_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('astpinfail');
}

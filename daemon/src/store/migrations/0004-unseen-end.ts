/**
 * Calls whose end the daemon did not see (see session/unseen-end.ts):
 *
 * astcdr.end_source  how the end of the call was known: NULL = observed (Asterisk's hangup
 *                    event); 'last-up' = the last moment it was confirmed up (the default
 *                    policy); 'first-gone' = the first moment it was confirmed gone;
 *                    'asterisk-cdr' = Asterisk's own CDR (exact).
 * asterisk_cdr       Asterisk's own CDR, written by cdr_adaptive_odbc into the billing database
 *                    (asterisk-conf/cdr_adaptive_odbc.conf). astbill only reads it, for the end of
 *                    a call it did not see end. The columns are Asterisk's CDR field names
 *                    (cdr_adaptive_odbc fills the columns that match).
 */
import type { Knex } from 'knex';
import { dialectOf, tableOptions, timeColumn } from './dialect.js';

export async function up(knex: Knex): Promise<void> {
  const d = dialectOf(knex);
  await knex.schema.alterTable('astcdr', (t) => {
    t.string('end_source', 16).nullable();
  });
  await knex.schema.createTable('asterisk_cdr', (t) => {
    tableOptions(t, d);
    t.increments('id').primary();
    t.string('uniqueid', 150).notNullable().defaultTo('');
    t.string('linkedid', 150).notNullable().defaultTo('');
    t.string('channel', 80).notNullable().defaultTo('');
    t.string('dstchannel', 80).notNullable().defaultTo('');
    t.string('accountcode', 80).notNullable().defaultTo('');
    timeColumn(t, d, 'start').nullable();
    timeColumn(t, d, 'answer').nullable();
    timeColumn(t, d, 'end').nullable();
    t.integer('duration').nullable();
    t.integer('billsec').nullable();
    t.string('disposition', 45).nullable();
    t.index(['uniqueid'], 'asterisk_cdr_uniqueid_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('asterisk_cdr');
  await knex.schema.alterTable('astcdr', (t) => {
    t.dropColumns('end_source');
  });
}

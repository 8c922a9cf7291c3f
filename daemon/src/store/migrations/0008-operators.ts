/**
 * Operators of the console and the API, their sessions and tokens, failed logins, and the audit
 * trail of changes to money and accounts.
 *
 * astoperator  one operator: unique name, role (admin | support | read-only), scrypt hash with
 *              its own salt (store/operators/password.ts), disabled flag.
 * astsession   a console login: SHA-256 of the cookie value (the cookie itself is never stored),
 *              the CSRF token the browser must send back, expiry.
 * astapitoken  an operator's bearer token: SHA-256 of it, its own role (at most the operator's).
 * astloginfail one row per failed login, by name and by client address, for throttling across
 *              every daemon on the database; rows older than the window are deleted by writers.
 * astaudit     who (actor), when, what (action, target) and the state before and after (JSON).
 */
import type { Knex } from 'knex';
import { dialectOf, tableOptions, timeColumn } from './dialect.js';

export async function up(knex: Knex): Promise<void> {
  const d = dialectOf(knex);
  await knex.schema.createTable('astoperator', (t) => {
    tableOptions(t, d);
    t.increments('id');
    t.string('name', 64).notNullable().unique('astoperator_name_uq');
    t.string('role', 16).notNullable();
    t.string('password_hash', 200).notNullable();
    t.boolean('disabled').notNullable().defaultTo(false);
    timeColumn(t, d, 'created').notNullable();
  });
  await knex.schema.createTable('astsession', (t) => {
    tableOptions(t, d);
    t.string('id_hash', 64).primary();
    t.integer('operator_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('astoperator')
      .withKeyName('astsession_operator_fk');
    t.string('csrf', 64).notNullable();
    timeColumn(t, d, 'created').notNullable();
    timeColumn(t, d, 'expires').notNullable();
    t.index(['expires'], 'astsession_expires_idx');
  });
  await knex.schema.createTable('astapitoken', (t) => {
    tableOptions(t, d);
    t.increments('id');
    t.string('token_hash', 64).notNullable().unique('astapitoken_hash_uq');
    t.integer('operator_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('astoperator')
      .withKeyName('astapitoken_operator_fk');
    t.string('role', 16).notNullable();
    t.string('label', 80).notNullable();
    t.boolean('disabled').notNullable().defaultTo(false);
    timeColumn(t, d, 'created').notNullable();
  });
  await knex.schema.createTable('astloginfail', (t) => {
    tableOptions(t, d);
    t.bigIncrements('id');
    t.string('name', 64).notNullable();
    t.string('client', 64).notNullable();
    timeColumn(t, d, 'at').notNullable();
    t.index(['name', 'at'], 'astloginfail_name_at_idx');
    t.index(['client', 'at'], 'astloginfail_client_at_idx');
  });
  await knex.schema.createTable('astaudit', (t) => {
    tableOptions(t, d);
    t.bigIncrements('id');
    timeColumn(t, d, 'at').notNullable();
    t.string('actor', 120).notNullable();
    t.string('action', 40).notNullable();
    t.string('target', 120).notNullable();
    t.text('before');
    t.text('after');
    t.index(['at'], 'astaudit_at_idx');
    t.index(['target', 'at'], 'astaudit_target_at_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['astaudit', 'astloginfail', 'astapitoken', 'astsession', 'astoperator'])
    await knex.schema.dropTable(t);
}

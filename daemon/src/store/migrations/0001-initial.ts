/**
 * The AstBill tables. Money columns are BIGINT minor units (1/100000 of the currency unit, see
 * sql/README.md); times are UTC (DATETIME(3) on MySQL, TEXT on SQLite, see ../time.ts).
 * sql/schema.mysql.sql is the same schema as plain SQL: change both together.
 */
import type { Knex } from 'knex';
import { dialectOf, tableOptions, timeColumn } from './dialect.js';

export async function up(knex: Knex): Promise<void> {
  const d = dialectOf(knex);

  await knex.schema.createTable('astaccount', (t) => {
    tableOptions(t, d);
    t.increments('id');
    t.string('name', 80).notNullable().unique('astaccount_name_unique');
    // HMAC-SHA256 (hex) of the calling-card PIN keyed with ASTBILL_PIN_SECRET; see store/pin.ts.
    t.string('pin_hash', 64).nullable().unique('astaccount_pin_unique');
    t.string('status', 10).notNullable().defaultTo('active').checkIn(['active', 'blocked']);
    t.bigInteger('balance').notNullable().defaultTo(0);
    // Sum of this account's astcreditres.max_cost, written by every money transaction.
    t.bigInteger('reserved').notNullable().defaultTo(0);
    t.bigInteger('credit_limit').notNullable().defaultTo(0);
    t.string('currency', 3).notNullable().defaultTo('EUR');
    t.string('tariff', 40).notNullable().defaultTo('default');
    t.integer('max_calls').nullable();
    t.integer('max_seconds').nullable();
    timeColumn(t, d, 'created').notNullable();
    timeColumn(t, d, 'updated').notNullable();
  });

  await knex.schema.createTable('astani', (t) => {
    tableOptions(t, d);
    t.increments('id');
    t.string('number', 40).notNullable().unique('astani_number_unique');
    t.integer('account_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('astaccount')
      .onDelete('CASCADE');
    t.index(['account_id'], 'astani_account_idx');
  });

  await knex.schema.createTable('astrate', (t) => {
    tableOptions(t, d);
    t.increments('id');
    t.string('tariff', 40).notNullable();
    t.string('prefix', 20).notNullable();
    t.string('description', 120).notNullable().defaultTo('');
    t.bigInteger('rate_per_min').notNullable();
    t.bigInteger('connect_fee').notNullable().defaultTo(0);
    t.integer('initial_secs').notNullable().defaultTo(60);
    t.integer('increment_secs').notNullable().defaultTo(60);
    t.integer('min_secs').notNullable().defaultTo(0);
    t.unique(['tariff', 'prefix'], { indexName: 'astrate_tariff_prefix_unique' });
  });

  await knex.schema.createTable('astcreditres', (t) => {
    tableOptions(t, d);
    t.string('uniqueid', 150).notNullable().primary();
    t.integer('account_id').unsigned().notNullable().references('id').inTable('astaccount');
    t.bigInteger('max_cost').notNullable();
    t.integer('max_seconds').notNullable();
    t.string('node', 32).notNullable();
    timeColumn(t, d, 'created').notNullable();
    timeColumn(t, d, 'answer').nullable();
    t.index(['node'], 'astcreditres_node_idx');
    t.index(['account_id'], 'astcreditres_account_idx');
  });

  await knex.schema.createTable('astcdr', (t) => {
    tableOptions(t, d);
    t.increments('id');
    t.string('uniqueid', 150).notNullable().unique('astcdr_uniqueid_unique');
    // No foreign key: a CDR is an audit record and outlives the account.
    t.integer('account_id').unsigned().nullable();
    t.string('account', 80).nullable();
    t.string('node', 32).notNullable();
    t.string('src', 80).notNullable().defaultTo('');
    t.string('dst', 80).notNullable().defaultTo('');
    t.string('tariff', 40).nullable();
    t.string('prefix', 20).nullable();
    // Rate snapshot taken at authorisation: settle bills with this, not with today's rate.
    t.bigInteger('rate_per_min').nullable();
    t.bigInteger('connect_fee').nullable();
    t.integer('initial_secs').nullable();
    t.integer('increment_secs').nullable();
    t.integer('min_secs').nullable();
    timeColumn(t, d, 'start').notNullable();
    timeColumn(t, d, 'answer').nullable();
    timeColumn(t, d, 'end').nullable();
    t.integer('duration').notNullable().defaultTo(0);
    t.integer('billsec').notNullable().defaultTo(0);
    t.string('disposition', 16).nullable();
    t.integer('hangup_cause').nullable();
    t.string('reason', 16).nullable();
    t.integer('max_seconds').nullable();
    t.bigInteger('max_cost').nullable();
    t.bigInteger('cost').notNullable().defaultTo(0);
    t.string('status', 8).notNullable().defaultTo('open').checkIn(['open', 'settled']);
    t.string('note', 255).nullable();
    t.index(['account_id', 'start'], 'astcdr_account_start_idx');
    t.index(['start'], 'astcdr_start_idx');
    t.index(['status'], 'astcdr_status_idx');
  });

  await knex.schema.createTable('astledger', (t) => {
    tableOptions(t, d);
    t.increments('id');
    t.integer('account_id').unsigned().notNullable().references('id').inTable('astaccount');
    t.string('kind', 12).notNullable().checkIn(['topup', 'charge', 'adjustment']);
    // Signed: + top-up, - charge.
    t.bigInteger('amount').notNullable();
    t.bigInteger('balance_after').notNullable();
    // The call's uniqueid for a charge (so a call is never charged twice), a payment reference for a top-up.
    t.string('reference', 150).nullable();
    t.string('note', 255).nullable();
    timeColumn(t, d, 'created').notNullable();
    t.unique(['kind', 'reference'], { indexName: 'astledger_kind_reference_unique' });
    t.index(['account_id', 'id'], 'astledger_account_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['astledger', 'astcdr', 'astcreditres', 'astrate', 'astani', 'astaccount']) {
    await knex.schema.dropTableIfExists(table);
  }
}

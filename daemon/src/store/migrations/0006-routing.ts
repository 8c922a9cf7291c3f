/**
 * Carrier routing (issue 15): trunks, their buy rates, route plans per tariff, and one row per
 * trunk attempt of a call. Money is BIGINT minor units, as everywhere.
 *
 * asttrunk          one carrier: name, dial template with {number}, number rewriting (strip
 *                   leading digits, then add a tech prefix), optional channel limit, enabled
 * asttrunkrate      the carrier's buy rates: longest prefix per trunk, same columns as astrate
 * astrouteplan      a tariff's rule: 'lcr' (default without a row), 'priority' or 'weighted' over
 *                   `trunks` (comma list of name or name:weight, in priority order)
 * astcallattempt    one row per trunk tried for a call (uniqueid = the CDR's): the buy-rate
 *                   snapshot, outcome (NULL while ringing) and causes. An attempt that is ringing
 *                   or answered and still holds its reservation occupies one of its trunk's
 *                   channels (store/trunk-claim.ts)
 * astcdr.trunk, buy_cost, margin   the trunk that carried the call, what it cost us, sell − buy
 */
import type { Knex } from 'knex';
import { dialectOf, tableOptions, timeColumn } from './dialect.js';

function rateColumns(t: Knex.CreateTableBuilder): void {
  t.bigInteger('rate_per_min').notNullable();
  t.bigInteger('connect_fee').notNullable().defaultTo(0);
  t.integer('initial_secs').notNullable().defaultTo(60);
  t.integer('increment_secs').notNullable().defaultTo(60);
  t.integer('min_secs').notNullable().defaultTo(0);
}

export async function up(knex: Knex): Promise<void> {
  const d = dialectOf(knex);
  await knex.schema.createTable('asttrunk', (t) => {
    tableOptions(t, d);
    t.increments('id');
    t.string('name', 40).notNullable().unique('asttrunk_name_unique');
    t.string('dial', 200).notNullable();
    t.integer('strip_digits').notNullable().defaultTo(0);
    t.string('tech_prefix', 20).notNullable().defaultTo('');
    t.integer('max_channels').nullable();
    t.integer('enabled').notNullable().defaultTo(1);
    timeColumn(t, d, 'created').notNullable();
  });
  await knex.schema.createTable('asttrunkrate', (t) => {
    tableOptions(t, d);
    t.increments('id');
    t.integer('trunk_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('asttrunk')
      .onDelete('CASCADE');
    t.string('prefix', 20).notNullable();
    t.string('description', 120).notNullable().defaultTo('');
    rateColumns(t);
    t.unique(['trunk_id', 'prefix'], { indexName: 'asttrunkrate_trunk_prefix_unique' });
  });
  await knex.schema.createTable('astrouteplan', (t) => {
    tableOptions(t, d);
    t.string('tariff', 40).notNullable().primary();
    t.string('mode', 10).notNullable().checkIn(['lcr', 'priority', 'weighted']);
    t.string('trunks', 400).notNullable().defaultTo('');
  });
  await knex.schema.createTable('astcallattempt', (t) => {
    tableOptions(t, d);
    t.bigIncrements('id');
    t.string('uniqueid', 150).notNullable();
    t.integer('trunk_id').unsigned().notNullable();
    t.string('trunk', 40).notNullable();
    t.string('channel', 150).notNullable();
    t.string('node', 32).notNullable();
    t.string('prefix', 20).notNullable();
    rateColumns(t);
    timeColumn(t, d, 'start').notNullable();
    timeColumn(t, d, 'end').nullable();
    t.string('outcome', 16).nullable();
    t.integer('cause').nullable();
    t.integer('tech_cause').nullable();
    t.index(['uniqueid'], 'astcallattempt_uniqueid_idx');
    t.index(['trunk_id', 'outcome'], 'astcallattempt_trunk_outcome_idx');
    t.index(['start'], 'astcallattempt_start_idx');
  });
  await knex.schema.alterTable('astcdr', (t) => {
    t.string('trunk', 40).nullable();
    t.bigInteger('buy_cost').nullable();
    t.bigInteger('margin').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('astcdr', (t) => {
    t.dropColumns('trunk', 'buy_cost', 'margin');
  });
  for (const table of ['astcallattempt', 'astrouteplan', 'asttrunkrate', 'asttrunk'])
    await knex.schema.dropTableIfExists(table);
}

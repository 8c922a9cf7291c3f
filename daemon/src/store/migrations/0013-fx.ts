/**
 * Currencies (rating/fx.ts, store/fx.ts):
 *
 * asttariff      a tariff's currency (ISO 4217). A tariff without a row prices in the currency of
 *                the account that calls on it, as every tariff did before.
 * astfx          exchange rates with effective times: 1 `base` = `rate` `quote`, the rate as the
 *                exact decimal text it was set as; a call uses the latest effective_from ≤ the
 *                instant it is authorised.
 * astcdr.fx_rate, .tariff_currency, .tariff_cost  a call whose tariff is in another currency than
 *                its account: the rate it was authorised with, the tariff's currency, and (once
 *                settled) the cost in that currency beside `cost`, the charge in the account's.
 *                NULL on calls without conversion.
 */
import type { Knex } from 'knex';
import { dialectOf, tableOptions, timeColumn } from './dialect.js';

export async function up(knex: Knex): Promise<void> {
  const d = dialectOf(knex);
  await knex.schema.createTable('asttariff', (t) => {
    tableOptions(t, d);
    t.string('tariff', 40).primary();
    t.string('currency', 3).notNullable();
  });
  await knex.schema.createTable('astfx', (t) => {
    tableOptions(t, d);
    t.increments('id');
    t.string('base', 3).notNullable();
    t.string('quote', 3).notNullable();
    t.string('rate', 26).notNullable();
    timeColumn(t, d, 'effective_from').notNullable();
    timeColumn(t, d, 'created').notNullable();
    t.unique(['base', 'quote', 'effective_from'], { indexName: 'astfx_pair_effective_unique' });
  });
  await knex.schema.alterTable('astcdr', (t) => {
    t.string('fx_rate', 26).nullable();
    t.string('tariff_currency', 3).nullable();
    t.bigInteger('tariff_cost').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('astcdr', (t) => {
    t.dropColumns('fx_rate', 'tariff_currency', 'tariff_cost');
  });
  await knex.schema.dropTable('astfx');
  await knex.schema.dropTable('asttariff');
}

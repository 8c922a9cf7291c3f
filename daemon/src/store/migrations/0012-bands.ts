/**
 * Time bands (rating/bands.ts, store/bands.ts):
 *
 * astband          the bands of a tariff, tried in `position` order: name, ISO weekdays (`days`,
 *                  e.g. "1,2,3,4,5"), the local window [from_min, to_min) in minutes of the day,
 *                  the tariff's IANA time zone (the same on every row of a tariff), and
 *                  band_tariff: the tariff (an ordinary rate deck, with its own versions) whose
 *                  rate for the number gives the band's price per minute and connection fee. The
 *                  billing blocks are always the base rate's.
 * astcdr.bands     the banding the call was granted on (JSON: zone, bands with their prices), so
 *                  that extension and settlement price with what was granted; NULL: a flat rate.
 * astcdr.band_split  after settlement, the charge by band (JSON: band, billed seconds, cost).
 */
import type { Knex } from 'knex';
import { dialectOf, tableOptions } from './dialect.js';

export async function up(knex: Knex): Promise<void> {
  const d = dialectOf(knex);
  await knex.schema.createTable('astband', (t) => {
    tableOptions(t, d);
    t.increments('id');
    t.string('tariff', 40).notNullable();
    t.integer('position').notNullable();
    t.string('name', 20).notNullable();
    t.string('days', 20).notNullable();
    t.integer('from_min').notNullable();
    t.integer('to_min').notNullable();
    t.string('zone', 64).notNullable();
    t.string('band_tariff', 40).notNullable();
    t.unique(['tariff', 'position'], { indexName: 'astband_tariff_position_unique' });
  });
  await knex.schema.alterTable('astcdr', (t) => {
    t.text('bands').nullable();
    t.text('band_split').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('astcdr', (t) => {
    t.dropColumns('bands', 'band_split');
  });
  await knex.schema.dropTable('astband');
}

/**
 * Number normalisation (rating/normalise.ts):
 *
 * astnumrule     the ordered rules of one rule set. scope 'account' (owner = account name),
 *                'tariff' (owner = tariff name) or 'default' (owner = ''; also what caller IDs
 *                are normalised with before identification by ANI). position orders the rules
 *                of a set; rule is the rule as the operator wrote it (intl:00, national:0:44, …).
 * astcdr.dialled the digits as dialled when normalisation changed them (dst holds the E.164
 *                number rated and dialled); NULL when they were used as dialled.
 *
 * Rate-deck versions (store/rate-versions.ts):
 * astrate.effective  when the row's version of its tariff takes over (UTC). A version is all rows
 *                of a tariff with one effective time; a call is rated by the version with the
 *                latest effective ≤ its start. Rows from before versions: the epoch (always).
 */
import type { Knex } from 'knex';
import { dialectOf, tableOptions, timeColumn } from './dialect.js';

/** The effective time of the rows that were there before versions: in force since always. */
export const EPOCH = '1970-01-01 00:00:00.000';

export async function up(knex: Knex): Promise<void> {
  const d = dialectOf(knex);
  await knex.schema.createTable('astnumrule', (t) => {
    tableOptions(t, d);
    t.increments('id');
    t.string('scope', 8).notNullable().checkIn(['default', 'tariff', 'account']);
    t.string('owner', 80).notNullable().defaultTo('');
    t.integer('position').notNullable();
    t.string('rule', 40).notNullable();
    t.unique(['scope', 'owner', 'position'], { indexName: 'astnumrule_set_unique' });
  });
  await knex.schema.alterTable('astcdr', (t) => {
    t.string('dialled', 80).nullable();
  });
  await knex.schema.alterTable('astrate', (t) => {
    timeColumn(t, d, 'effective').notNullable().defaultTo(EPOCH);
  });
  await knex.schema.alterTable('astrate', (t) => {
    t.dropUnique(['tariff', 'prefix'], 'astrate_tariff_prefix_unique');
    t.unique(['tariff', 'effective', 'prefix'], { indexName: 'astrate_version_prefix_unique' });
  });
}

export async function down(knex: Knex): Promise<void> {
  // Only the version in force now can stay under the old (tariff, prefix) key.
  const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
  const current = knex('astrate')
    .select('tariff')
    .max({ e: 'effective' })
    .where('effective', '<=', now)
    .groupBy('tariff');
  const keep = (await current) as Array<{ tariff: string; e: string }>;
  await knex('astrate').where('effective', '>', now).delete();
  for (const k of keep)
    await knex('astrate').where('tariff', k.tariff).where('effective', '<', k.e).delete();
  await knex.schema.alterTable('astrate', (t) => {
    t.dropUnique(['tariff', 'effective', 'prefix'], 'astrate_version_prefix_unique');
    t.unique(['tariff', 'prefix'], { indexName: 'astrate_tariff_prefix_unique' });
  });
  await knex.schema.alterTable('astrate', (t) => {
    t.dropColumns('effective');
  });
  await knex.schema.alterTable('astcdr', (t) => {
    t.dropColumns('dialled');
  });
  await knex.schema.dropTable('astnumrule');
}

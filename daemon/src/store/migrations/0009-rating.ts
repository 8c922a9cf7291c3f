/**
 * Number normalisation (rating/normalise.ts):
 *
 * astnumrule     the ordered rules of one rule set. scope 'account' (owner = account name),
 *                'tariff' (owner = tariff name) or 'default' (owner = ''; also what caller IDs
 *                are normalised with before identification by ANI). position orders the rules
 *                of a set; rule is the rule as the operator wrote it (intl:00, national:0:44, …).
 * astcdr.dialled the digits as dialled when normalisation changed them (dst holds the E.164
 *                number rated and dialled); NULL when they were used as dialled.
 */
import type { Knex } from 'knex';
import { dialectOf, tableOptions } from './dialect.js';

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
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('astcdr', (t) => {
    t.dropColumns('dialled');
  });
  await knex.schema.dropTable('astnumrule');
}

/**
 * The anomaly stop and e-mail delivery:
 *
 * astcap.burst_minutes / burst_spend   block the account when the settled cost of its calls that
 *              ended in the last burst_minutes exceeds burst_spend (checked by tx/settle).
 * astcap.blockeddest_per_min           block it when this many of its calls within 60 s were
 *              refused BLOCKEDDEST (someone probing premium ranges; checked by tx/authorise).
 * astcap.concurrent_max                block it when a new call would make more than this many
 *              live calls (a spike; LIMIT only refuses the one call, this stops the account).
 * astoutbox.channel  'webhook' | 'mail': each event is one row per channel it goes out on, so each
 *              channel has its own attempts, backoff and dead state under the one worker.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('astcap', (t) => {
    t.integer('burst_minutes').nullable();
    t.bigInteger('burst_spend').nullable();
    t.integer('blockeddest_per_min').nullable();
    t.integer('concurrent_max').nullable();
  });
  await knex.schema.alterTable('astoutbox', (t) => {
    t.string('channel', 8).notNullable().defaultTo('webhook');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('astoutbox', (t) => {
    t.dropColumn('channel');
  });
  await knex.schema.alterTable('astcap', (t) => {
    for (const c of ['burst_minutes', 'burst_spend', 'blockeddest_per_min', 'concurrent_max'])
      t.dropColumn(c);
  });
}

/**
 * Interim grants and callback calls (see ../tx/extend.ts and ../tx/authorise-callback.ts):
 *
 * astaccount.charging_mode  'single' (one reservation of the whole call) | 'grant' (slices);
 *                           NULL = the daemon's ASTBILL_CHARGING_MODE.
 * astaccount.grant_seconds  the slice in grant mode; NULL = ASTBILL_GRANT_SECONDS.
 * astcdr.grants             how many grants the call had (1 after authorise in grant mode).
 * astcdr.checkpoint_secs    confirmed talk time at the last extension (interim checkpoint).
 * astcdr.checkpoint_at      when that checkpoint was written.
 * astcdr.callback_id        shared by the two legs of a callback call.
 */
import type { Knex } from 'knex';
import { dialectOf, timeColumn } from './dialect.js';

export async function up(knex: Knex): Promise<void> {
  const d = dialectOf(knex);
  await knex.schema.alterTable('astaccount', (t) => {
    t.string('charging_mode', 6).nullable().checkIn(['single', 'grant']);
    t.integer('grant_seconds').nullable();
  });
  await knex.schema.alterTable('astcdr', (t) => {
    t.integer('grants').notNullable().defaultTo(0);
    t.integer('checkpoint_secs').nullable();
    timeColumn(t, d, 'checkpoint_at').nullable();
    t.string('callback_id', 150).nullable();
    t.index(['callback_id'], 'astcdr_callback_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('astcdr', (t) => {
    t.dropIndex(['callback_id'], 'astcdr_callback_idx');
    t.dropColumns('grants', 'checkpoint_secs', 'checkpoint_at', 'callback_id');
  });
  await knex.schema.alterTable('astaccount', (t) => {
    t.dropColumns('charging_mode', 'grant_seconds');
  });
}

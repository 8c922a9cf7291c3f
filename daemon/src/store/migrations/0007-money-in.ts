/**
 * Fraud limits and notifications, read and written inside the money transactions:
 *
 * astcap       spend caps of one account (NULL = no cap): day_max / month_max (money per UTC
 *              day / month: settled call costs since the period began plus every open
 *              reservation), call_max (the most one call may cost), calls_per_min (calls
 *              authorised in the last 60 s). Read under the account lock by tx/authorise and
 *              tx/extend. Alert thresholds of the same account: low_balance (an event when a
 *              settlement takes the balance below it), large_topup (an event for a top-up of at
 *              least this much).
 * astdestrule  destination prefix rules: scope 'tariff' (owner = tariff name) or 'account'
 *              (owner = account name), action 'allow' | 'deny'. The longest matching prefix of
 *              the account's rules wins, else of its tariff's; a 'deny' refuses BLOCKEDDEST, and
 *              when an owner has any 'allow' rule a number matching none of them is refused too.
 * astoutbox    events written in the same transaction as the money change that caused them,
 *              delivered by the daemon's worker: state 'pending' | 'sent' | 'dead', attempts,
 *              next_at (the next try), idem_key (unique: the receiver's idempotency key).
 */
import type { Knex } from 'knex';
import { dialectOf, tableOptions, timeColumn } from './dialect.js';

export async function up(knex: Knex): Promise<void> {
  const d = dialectOf(knex);
  await knex.schema.createTable('astcap', (t) => {
    tableOptions(t, d);
    t.integer('account_id').unsigned().notNullable().primary();
    t.foreign('account_id', 'astcap_account_id_foreign').references('id').inTable('astaccount');
    t.bigInteger('day_max').nullable();
    t.bigInteger('month_max').nullable();
    t.bigInteger('call_max').nullable();
    t.integer('calls_per_min').nullable();
    t.bigInteger('low_balance').nullable();
    t.bigInteger('large_topup').nullable();
  });
  await knex.schema.createTable('astdestrule', (t) => {
    tableOptions(t, d);
    t.increments('id');
    t.string('scope', 8).notNullable().checkIn(['tariff', 'account']);
    t.string('owner', 80).notNullable();
    t.string('prefix', 40).notNullable();
    t.string('action', 5).notNullable().checkIn(['allow', 'deny']);
    t.unique(['scope', 'owner', 'prefix'], { indexName: 'astdestrule_owner_prefix_unique' });
  });
  await knex.schema.createTable('astoutbox', (t) => {
    tableOptions(t, d);
    t.bigIncrements('id');
    t.string('idem_key', 64).notNullable().unique('astoutbox_idem_key_unique');
    t.integer('account_id').unsigned().nullable();
    t.string('kind', 24).notNullable();
    t.text('payload').notNullable();
    t.string('state', 8).notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    timeColumn(t, d, 'next_at').notNullable();
    t.string('last_error', 255).nullable();
    timeColumn(t, d, 'created').notNullable();
    timeColumn(t, d, 'sent_at').nullable();
    t.index(['state', 'next_at'], 'astoutbox_state_next_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['astoutbox', 'astdestrule', 'astcap']) {
    await knex.schema.dropTableIfExists(table);
  }
}

/**
 * Prepaid card batches and voucher (refill code) batches:
 *
 * astbatch    one batch of cards or vouchers: kind 'card' | 'voucher', value (minor units, each
 *             card's opening balance or each voucher's credit), currency, count, tariff (cards),
 *             expires (cards: refused from then on; vouchers: not redeemable from then on),
 *             valid_days (cards: validity counted from the first call), operator (who made it),
 *             state 'active' | 'disabled'.
 * astcard     the card facts of an account made by a batch: first_used (the first authorised
 *             call, stamped by tx/authorise), expires (the batch's date, or first use + valid
 *             days if earlier: written at first use). tx/authorise refuses EXPIRED from it.
 * astvoucher  one voucher code: code_hash (the PIN HMAC of the code, unique), and once redeemed
 *             used_at, account_id and ledger_id (the top-up it made). tx/redeem-voucher.
 */
import type { Knex } from 'knex';
import { dialectOf, tableOptions, timeColumn } from './dialect.js';

export async function up(knex: Knex): Promise<void> {
  const d = dialectOf(knex);
  await knex.schema.createTable('astbatch', (t) => {
    tableOptions(t, d);
    t.increments('id');
    t.string('kind', 8).notNullable().checkIn(['card', 'voucher']);
    timeColumn(t, d, 'created').notNullable();
    t.bigInteger('value').notNullable();
    t.string('currency', 3).notNullable();
    t.integer('count').notNullable();
    t.string('tariff', 40).nullable();
    timeColumn(t, d, 'expires').nullable();
    t.integer('valid_days').nullable();
    t.string('prefix', 40).notNullable();
    t.string('operator', 120).notNullable();
    t.string('state', 8).notNullable().defaultTo('active').checkIn(['active', 'disabled']);
  });
  await knex.schema.createTable('astcard', (t) => {
    tableOptions(t, d);
    t.integer('account_id').unsigned().notNullable().primary();
    t.foreign('account_id', 'astcard_account_id_foreign').references('id').inTable('astaccount');
    t.integer('batch_id').unsigned().notNullable();
    t.foreign('batch_id', 'astcard_batch_id_foreign').references('id').inTable('astbatch');
    timeColumn(t, d, 'first_used').nullable();
    timeColumn(t, d, 'expires').nullable();
    t.index(['batch_id'], 'astcard_batch_idx');
  });
  await knex.schema.createTable('astvoucher', (t) => {
    tableOptions(t, d);
    t.increments('id');
    t.integer('batch_id').unsigned().notNullable();
    t.foreign('batch_id', 'astvoucher_batch_id_foreign').references('id').inTable('astbatch');
    t.string('code_hash', 64).notNullable().unique('astvoucher_code_unique');
    timeColumn(t, d, 'used_at').nullable();
    t.integer('account_id').unsigned().nullable();
    t.integer('ledger_id').unsigned().nullable();
    t.index(['batch_id'], 'astvoucher_batch_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['astvoucher', 'astcard', 'astbatch']) {
    await knex.schema.dropTableIfExists(table);
  }
}

/**
 * A knex client for better-sqlite3 whose transactions start with `BEGIN IMMEDIATE`.
 *
 * knex's own SQLite transactions say plain `BEGIN` (deferred): two processes could both read an
 * account and then race to upgrade to a write lock, and the loser gets SQLITE_BUSY without the
 * busy timeout helping. `BEGIN IMMEDIATE` takes the database write lock up front, so every money
 * transaction is serialised across processes (the busy timeout makes the others wait). Inside one
 * process the pool has a single connection, so knex queues transactions and queries for us.
 */
import type { Knex } from 'knex';
import ClientBetterSQLite3 from 'knex/lib/dialects/better-sqlite3/index.js';
import TransactionSqlite from 'knex/lib/dialects/sqlite3/execution/sqlite-transaction.js';

class ImmediateTransaction extends TransactionSqlite {
  override begin(conn: unknown): Promise<unknown> {
    return this.query(conn, 'BEGIN IMMEDIATE;');
  }
}

/** Pass as knex's `client` option in place of 'better-sqlite3'. */
export class ImmediateSqliteClient extends ClientBetterSQLite3 {
  override transaction(container: unknown, config: unknown, outerTx: unknown): Knex.Transaction {
    return new ImmediateTransaction(
      this,
      container,
      config,
      outerTx,
    ) as unknown as Knex.Transaction;
  }
}

// Types for the two knex internals that db.ts extends to make SQLite transactions BEGIN IMMEDIATE.
// knex ships no declarations for them; only the members we touch are declared.
declare module 'knex/lib/dialects/better-sqlite3/index.js' {
  import type { Knex } from 'knex';
  const ClientBetterSQLite3: new (config: Knex.Config) => Knex.Client;
  export default ClientBetterSQLite3;
}

declare module 'knex/lib/dialects/sqlite3/execution/sqlite-transaction.js' {
  import type { Knex } from 'knex';
  class TransactionSqlite {
    constructor(client: Knex.Client, container: unknown, config: unknown, outerTx: unknown);
    query(conn: unknown, sql: string, status?: number, value?: unknown): Promise<unknown>;
    begin(conn: unknown): Promise<unknown>;
  }
  export default TransactionSqlite;
}

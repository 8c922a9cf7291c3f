// Types for the knex internals that sqlite-client.ts and mysql-client.ts extend.
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

// The mysql2 dialect's client and transaction, extended by mysql-client.ts to pipeline transactions.
declare module 'knex/lib/dialects/mysql2/index.js' {
  import type { Knex } from 'knex';
  class ClientMySQL2 {
    constructor(config: Knex.Config);
    transaction(container: unknown, config: unknown, outerTx: unknown): Knex.Transaction;
    _query(conn: unknown, obj: unknown): Promise<unknown>;
  }
  export default ClientMySQL2;
}

declare module 'knex/lib/dialects/mysql2/transaction.js' {
  import type { Knex } from 'knex';
  class TransactionMySQL2 {
    constructor(client: Knex.Client, container: unknown, config: unknown, outerTx: unknown);
    _completed: boolean;
    doNotRejectOnRollback: boolean;
    _resolver(value: unknown): void;
    _rejecter(error: unknown): void;
    query(conn: unknown, sql: string, status?: number, value?: unknown): Promise<unknown>;
    begin(conn: unknown): Promise<unknown>;
    commit(conn: unknown, value: unknown): Promise<unknown>;
    rollback(conn: unknown, error: unknown): Promise<unknown>;
  }
  export default TransactionMySQL2;
}

// knex's creation of its own migration tables, run by migrate.ts inside one SQLite write transaction.
declare module 'knex/lib/migrations/migrate/table-creator.js' {
  import type { Knex } from 'knex';
  export function ensureTable(
    tableName: string,
    schemaName: string | undefined,
    trxOrKnex: Knex,
  ): Promise<unknown>;
}

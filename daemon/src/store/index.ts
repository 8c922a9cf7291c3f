/**
 * The store's front: open a database, make sure its schema is current, get the BillingStore.
 *
 *   const { store, close } = await openStore(config.db);          // auto-migrates SQLite
 *   const { store } = await openStore(config.db, { schema: 'check' });
 */
import type { DbConfig } from '../config.js';
import { openDb, type Db, type OpenDbOptions } from './db.js';
import { defaultSchemaMode, ensureSchema } from './migrate.js';
import { KnexBillingStore, type KnexStoreOptions } from './knex-store.js';

export interface OpenStoreOptions extends OpenDbOptions, KnexStoreOptions {
  /**
   * 'auto' runs pending migrations, 'check' refuses an outdated schema, 'none' skips both.
   * Default: 'auto' on SQLite (zero set-up), 'check' on MySQL (operators run `astbill migrate`).
   */
  schema?: 'auto' | 'check' | 'none';
}

export interface OpenedStore {
  db: Db;
  store: KnexBillingStore;
  close(): Promise<void>;
}

export async function openStore(cfg: DbConfig, opts: OpenStoreOptions = {}): Promise<OpenedStore> {
  const db = await openDb(cfg, opts);
  try {
    const mode = opts.schema ?? defaultSchemaMode(db);
    if (mode !== 'none') await ensureSchema(db, mode);
  } catch (err) {
    await db.close();
    throw err;
  }
  const store = new KnexBillingStore(db, opts);
  const close = async (): Promise<void> => {
    await store.flushAnswers();
    await db.close();
  };
  return { db, store, close };
}

export { KnexBillingStore } from './knex-store.js';
export type { KnexStoreOptions } from './knex-store.js';
export { openDb } from './db.js';
export type { Db, Dialect, OpenDbOptions } from './db.js';
export { StoreError, isInputError } from './errors.js';
export type { StoreErrorCode } from './errors.js';
export { migrateLatest, pendingMigrations, ensureSchema } from './migrate.js';
export type { AccountDetails, NewAccount } from './accounts.js';
export type { Cdr, CdrFilter } from './cdrs.js';
export type { LedgerEntry, LedgerKind } from './ledger.js';
export type { CallAttempt } from './trunk-attempts.js';

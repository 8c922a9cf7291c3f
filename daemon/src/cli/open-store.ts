/**
 * How an operator command reaches the database: configuration from the environment (ASTBILL_DB,
 * ASTBILL_CONFIG, ASTBILL_PIN_SECRET), the schema made current on SQLite or checked on MySQL
 * (see store/index.ts), and the connection always closed so the process exits.
 * Store errors an operator fixes by changing the input become UsageError (exit 2); database
 * errors stay errors (exit 1); both are one line.
 */
import { loadConfig } from '../config.js';
import {
  isInputError,
  openStore,
  type Db,
  type KnexBillingStore,
  type OpenStoreOptions,
} from '../store/index.js';
import { UsageError } from './command.js';

export async function withStore<T>(
  fn: (store: KnexBillingStore, db: Db) => Promise<T>,
  opts: OpenStoreOptions = {},
): Promise<T> {
  const config = loadConfig();
  const { store, db, close } = await openStore(config.db, {
    poolMax: 2,
    pinSecret: config.pinSecret ?? undefined,
    pinMinLength: config.pinMinLength,
    // A command's events (a top-up's large_topup) are mailed like the daemon's when SMTP is set.
    mail: config.mail !== null,
    ...opts,
  });
  try {
    return await fn(store, db);
  } catch (err) {
    if (isInputError(err)) throw new UsageError(err.message);
    throw err;
  } finally {
    await close();
  }
}

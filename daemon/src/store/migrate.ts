/**
 * Runs and checks the knex migrations of ./migrations (one stable name per migration, see
 * ./migrations/index.ts). `ensureSchema` is what front doors call before using the store.
 */
import { ensureTable } from 'knex/lib/migrations/migrate/table-creator.js';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { MIGRATIONS, migrationSource } from './migrations/index.js';

const config = { migrationSource, tableName: 'knex_migrations' };

/** Names of the migrations this code has that the database has not run yet. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const [completed] = (await db.knex.migrate.list(config)) as [
    Array<{ name: string } | string>,
    unknown[],
  ];
  const done = new Set(completed.map((c) => (typeof c === 'string' ? c : c.name)));
  return MIGRATIONS.map((m) => m.name).filter((n) => !done.has(n));
}

/** Brings the schema up to date; returns the names it ran. Waits while another process migrates. */
export async function migrateLatest(db: Db): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const [, log] = (await db.knex.migrate.latest(config)) as [number, string[]];
      return log;
    } catch (err) {
      // Another process may be migrating (knex's lock) or may just have created knex's own
      // tables under our feet: wait, and stop if it has done the work meanwhile.
      if (attempt >= 50) throw err;
      // knex reports a held lock as MigrationLocked, or as a plain Error with this text.
      const locked =
        err instanceof Error &&
        (err.name === 'MigrationLocked' || /already locked/i.test(err.message));
      if (!locked && attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      if (!locked && (await pendingMigrations(db).catch(() => ['?'])).length === 0) return [];
    }
  }
}

/**
 * 'auto': migrate now (the zero-setup SQLite default); 'check': refuse to work on an outdated
 * schema (production MySQL, where an operator runs `astbill migrate` deliberately).
 */
export async function ensureSchema(db: Db, mode: 'auto' | 'check'): Promise<void> {
  if (mode === 'auto') {
    // knex creates its own tables and the lock row with check-then-create steps: processes
    // starting together on a new file could each insert a lock row, and two lock rows read as
    // "already locked" forever. Create them in one write transaction (BEGIN IMMEDIATE on SQLite).
    await db.tx((trx) => ensureTable(config.tableName, undefined, trx));
    const pending = await pendingMigrations(db);
    if (pending.length > 0) await migrateLatest(db);
    return;
  }
  const pending = await pendingMigrations(db);
  if (pending.length > 0) {
    throw new StoreError(
      'SCHEMA_OUTDATED',
      `the schema of ${db.label} is not up to date (${pending.length} migration(s) pending): run 'astbill migrate'`,
    );
  }
}

/** Auto-migrate on SQLite, check on MySQL. */
export function defaultSchemaMode(db: Db): 'auto' | 'check' {
  return db.dialect === 'sqlite' ? 'auto' : 'check';
}

/**
 * `astbill migrate [--status]`: brings the schema up to date (MySQL/MariaDB: run this after an
 * upgrade; SQLite: the other commands do it by themselves).
 */
import { migrateLatest, pendingMigrations } from '../../store/index.js';
import { noArguments, parse } from '../args.js';
import { out } from '../format.js';
import { withStore } from '../open-store.js';

export const summary = 'create or update the database schema (--status: only report)';

export const usage = 'usage: astbill migrate [--status]';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse('migrate', argv, { status: { type: 'boolean' } });
  noArguments('migrate', positionals);
  return withStore(
    async (_store, db) => {
      if (values.status) {
        const pending = await pendingMigrations(db);
        out(
          pending.length
            ? `${db.label}: pending: ${pending.join(', ')}\n`
            : `${db.label}: schema is up to date\n`,
        );
        return pending.length ? 1 : 0;
      }
      const ran = await migrateLatest(db);
      out(
        ran.length
          ? `${db.label}: migrated ${ran.join(', ')}\n`
          : `${db.label}: schema is up to date\n`,
      );
      return 0;
    },
    { schema: 'none' },
  );
}

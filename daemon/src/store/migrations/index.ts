/**
 * The migration list, imported statically so it works the same under tsx (.ts) and compiled
 * (.js): knex records each migration by the stable name below, never by a file name with an
 * extension, so a database migrated by one form is current for the other.
 * Add a migration: write NNNN-name.ts with up/down and append it here. Never rename or reorder.
 */
import type { Knex } from 'knex';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-views.js';
import * as m0003 from './0003-grants-callback.js';
import * as m0004 from './0004-unseen-end.js';
import * as m0005 from './0005-pin-failures.js';
import * as m0006 from './0006-routing.js';
import * as m0007 from './0007-money-in.js';
import * as m0008 from './0008-operators.js';
import * as m0009 from './0009-rating.js';
import * as m0010 from './0010-cards-vouchers.js';
import * as m0011 from './0011-guard.js';
import * as m0012 from './0012-bands.js';
import * as m0013 from './0013-fx.js';

interface NamedMigration {
  name: string;
  migration: Knex.Migration;
}

export const MIGRATIONS: readonly NamedMigration[] = [
  { name: '0001-initial', migration: m0001 },
  { name: '0002-views', migration: m0002 },
  { name: '0003-grants-callback', migration: m0003 },
  { name: '0004-unseen-end', migration: m0004 },
  { name: '0005-pin-failures', migration: m0005 },
  { name: '0006-routing', migration: m0006 },
  { name: '0007-money-in', migration: m0007 },
  { name: '0008-operators', migration: m0008 },
  { name: '0009-rating', migration: m0009 },
  { name: '0010-cards-vouchers', migration: m0010 },
  { name: '0011-guard', migration: m0011 },
  { name: '0012-bands', migration: m0012 },
  { name: '0013-fx', migration: m0013 },
];

export const migrationSource: Knex.MigrationSource<NamedMigration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m.migration,
};

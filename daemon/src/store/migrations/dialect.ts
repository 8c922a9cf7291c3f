/** Small helpers the migrations share so that one migration file serves MySQL and SQLite. */
import type { Knex } from 'knex';
import type { Dialect } from '../db.js';

export { dialectOf } from '../db.js';

/** A time column: DATETIME(3) (UTC) on MySQL, fixed-width UTC TEXT on SQLite (see ../time.ts). */
export function timeColumn(
  t: Knex.CreateTableBuilder,
  dialect: Dialect,
  name: string,
): Knex.ColumnBuilder {
  return dialect === 'mysql' ? t.specificType(name, 'DATETIME(3)') : t.text(name);
}

/** InnoDB + utf8mb4 on MySQL; nothing to say on SQLite. */
export function tableOptions(t: Knex.CreateTableBuilder, dialect: Dialect): void {
  if (dialect === 'mysql') {
    t.engine('InnoDB');
    t.charset('utf8mb4');
    t.collate('utf8mb4_bin');
  }
}

/** SQL that shows a BIGINT minor-unit column as an exact decimal with 5 places. */
export function decimalExpr(dialect: Dialect, expr: string): string {
  if (dialect === 'mysql') return `CAST((${expr}) * 0.00001 AS DECIMAL(25,5))`;
  // SQLite has no exact decimal type: build the text exactly from integer division.
  return `(CASE WHEN (${expr}) < 0 THEN '-' ELSE '' END || (abs(${expr}) / 100000) || '.' || substr('0000' || (abs(${expr}) % 100000), -5, 5))`;
}

export function quoteId(dialect: Dialect, name: string): string {
  return dialect === 'mysql' ? `\`${name}\`` : `"${name}"`;
}

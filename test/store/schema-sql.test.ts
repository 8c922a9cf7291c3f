import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { mysqlConnection } from '../../daemon/src/store/db.js';
import { forEachDatabase } from '../support/db.js';

const schemaFile = fileURLToPath(new URL('../../sql/schema.mysql.sql', import.meta.url));

/** Columns, indexes and views of one database, in a comparable form. */
async function describeDb(c: mysql.Connection, db: string): Promise<unknown> {
  const [columns] = await c.query(
    `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, ORDINAL_POSITION
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE 'ast%' ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [db],
  );
  const [indexes] = await c.query(
    `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE 'ast%' ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [db],
  );
  const [fks] = await c.query(
    `SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME FROM information_schema.KEY_COLUMN_USAGE
     WHERE TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY TABLE_NAME, CONSTRAINT_NAME`,
    [db],
  );
  const [migrations] = await c.query(`SELECT name FROM \`${db}\`.knex_migrations ORDER BY id`);
  return { columns, indexes, fks, migrations };
}

describe('sql/schema.mysql.sql', function () {
  this.timeout(30_000);
  forEachDatabase((tdb) => {
    if (tdb.kind !== 'mysql') return;
    it('creates exactly the schema the migrations create', async () => {
      const conn = mysqlConnection(tdb.url);
      const plain = `${conn.database}_plain`;
      const c = await mysql.createConnection({
        host: conn.host,
        port: conn.port,
        user: conn.user,
        password: conn.password,
        multipleStatements: true,
      });
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${plain}\``);
        await c.query(`CREATE DATABASE \`${plain}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
        await c.query(`USE \`${plain}\``);
        await c.query(readFileSync(schemaFile, 'utf8'));
        assert.deepEqual(await describeDb(c, plain), await describeDb(c, conn.database!));
      } finally {
        await c.query(`DROP DATABASE IF EXISTS \`${plain}\``);
        await c.end();
      }
    });
  });
});

/**
 * A knex client for mysql2 that pipelines transactions: fewer round trips per money transaction.
 *
 * Every statement costs the daemon a socket write and a wait for the answer, and costs MariaDB a
 * wake-up; for a call's authorise and settle those round trips were most of the database work
 * (profiled: mysql2's socket writes alone were a third of the daemon's busy CPU). Two changes,
 * neither of which alters what the server executes or in which order:
 *
 * - BEGIN is not sent on its own; it travels in front of the transaction's first statement.
 * - A write marked with `deferred()` (one whose result the transaction never reads) is held
 *   back and sent in front of the next statement, usually COMMIT. So "lock and read" is one
 *   round trip and "write everything and commit" is another.
 *
 * The batches go out as one multi-statement query, so the server still runs BEGIN, the reads,
 * the writes and COMMIT in program order on one connection. A deferred write that fails makes the
 * statement it travelled with fail with the write's error (its errno unchanged, so deadlocks still
 * re-run the transaction). When the failed batch carried the COMMIT, this client rolls back before
 * reporting, so a pooled connection never goes back to the pool inside a transaction.
 *
 * Reads that do not depend on each other go out together too: `readTogether()`.
 *
 * Outside a transaction a `deferred()` write is sent at once, and SQLite ignores the mark.
 */
import type { Knex } from 'knex';
import ClientMySQL2 from 'knex/lib/dialects/mysql2/index.js';
import TransactionMySQL2 from 'knex/lib/dialects/mysql2/transaction.js';

/** The option key that marks a write as deferrable (knex passes builder options through to `_query`). */
const DEFER = 'astbillDeferred';

/**
 * Marks a write whose result the caller never looks at: inside a MySQL transaction it is sent with
 * the next statement instead of on its own. Resolves when queued (or, outside a transaction, done).
 */
export async function deferred(q: Knex.QueryBuilder): Promise<void> {
  await q.options({ [DEFER]: true });
}

/**
 * Runs independent reads in ONE round trip (MySQL: one multi-statement query, in order; inside a
 * transaction behind any pending BEGIN or deferred writes); on SQLite one after the other.
 * Returns each query's rows.
 */
export async function readTogether(
  q: Knex,
  queries: readonly Knex.QueryBuilder[],
): Promise<unknown[][]> {
  if (q.client.dialect !== 'mysql' || queries.length < 2) {
    const out: unknown[][] = [];
    for (const query of queries) out.push((await query) as unknown[]);
    return out;
  }
  const compiled = queries.map((query) => query.toSQL());
  const [results] = (await q.raw(
    compiled.map((c) => trimmed(c.sql)).join(';\n'),
    compiled.flatMap((c) => c.bindings as Knex.ValueDict[]),
  )) as [unknown[][]];
  return results;
}

interface Statement {
  sql: string;
  bindings: readonly unknown[];
}

/** What a pipelined transaction holds back on its connection. */
interface Pending {
  statements: Statement[];
  /** Whether anything (BEGIN at least) has reached the server. */
  sent: boolean;
  /** Set by commit: the next batch ends the transaction. */
  committing: boolean;
}

interface QueryObject {
  sql: string;
  bindings?: readonly unknown[];
  options?: Record<string, unknown>;
  response?: unknown;
}

type Callback = (err: (Error & { errno?: number }) | null, rows: unknown, fields: unknown) => void;

interface RawConnection {
  query(
    options: { sql: string } & Record<string, unknown>,
    bindings: readonly unknown[] | undefined,
    cb: Callback,
  ): void;
}

const pendingOf = new WeakMap<object, Pending>();

const trimmed = (sql: string): string => sql.trim().replace(/;+$/, '');

function run(
  conn: RawConnection,
  sql: string,
  bindings: readonly unknown[] | undefined,
  options: Record<string, unknown>,
): Promise<[unknown, unknown]> {
  return new Promise((resolve, reject) => {
    conn.query({ ...options, sql }, bindings, (err, rows, fields) =>
      err ? reject(err) : resolve([rows, fields]),
    );
  });
}

class PipelinedTransaction extends TransactionMySQL2 {
  override begin(conn: object): Promise<unknown> {
    pendingOf.set(conn, {
      statements: [{ sql: 'BEGIN', bindings: [] }],
      sent: false,
      committing: false,
    });
    return Promise.resolve();
  }

  override commit(conn: object, value: unknown): Promise<unknown> {
    const p = pendingOf.get(conn);
    if (p) p.committing = true;
    return super.commit(conn, value);
  }

  override rollback(conn: object, error: unknown): Promise<unknown> {
    const p = pendingOf.get(conn);
    pendingOf.delete(conn);
    if (p && !p.sent) {
      // Nothing reached the server: there is nothing to roll back, only the outcome to report.
      this._completed = true;
      if (error === undefined && this.doNotRejectOnRollback) this._resolver(undefined);
      else this._rejecter(error ?? new Error('Transaction rejected with non-error: undefined'));
      return Promise.resolve();
    }
    return super.rollback(conn, error);
  }
}

/** Pass as knex's `client` option in place of 'mysql2' (with `multipleStatements` on the connection). */
export class PipelinedMysqlClient extends ClientMySQL2 {
  override transaction(container: unknown, config: unknown, outerTx: unknown): Knex.Transaction {
    return new PipelinedTransaction(
      this as unknown as Knex.Client,
      container,
      config,
      outerTx,
    ) as unknown as Knex.Transaction;
  }

  override async _query(conn: RawConnection & object, obj: QueryObject | string): Promise<unknown> {
    const q: QueryObject = typeof obj === 'string' ? { sql: obj } : obj;
    if (!q.sql) throw new Error('The query is empty');
    const { [DEFER]: defer, ...options } = q.options ?? {};
    const p = pendingOf.get(conn);
    if (!p) {
      q.response = await run(conn, q.sql, q.bindings, options);
      return q;
    }
    if (defer === true) {
      p.statements.push({ sql: q.sql, bindings: q.bindings ?? [] });
      q.response = [{ affectedRows: 0, insertId: 0 }, undefined];
      return q;
    }
    const batch = [...p.statements, { sql: q.sql, bindings: q.bindings ?? [] }];
    const ending = p.committing;
    p.statements = [];
    p.sent = true;
    try {
      if (batch.length === 1) {
        q.response = await run(conn, q.sql, q.bindings, options);
      } else {
        const [rows, fields] = await run(
          conn,
          batch.map((s) => trimmed(s.sql)).join(';\n'),
          batch.flatMap((s) => s.bindings),
          options,
        );
        // One result per statement: drop those of the statements that travelled in front.
        const ahead = batch.length - 1;
        const own = (rows as unknown[]).slice(ahead);
        const ownFields = (fields as unknown[] | undefined)?.slice(ahead);
        q.response = own.length === 1 ? [own[0], ownFields?.[0]] : [own, ownFields];
      }
    } catch (err) {
      if (ending) {
        pendingOf.delete(conn);
        await run(conn, 'ROLLBACK', undefined, {}).catch(() => undefined);
      }
      throw err;
    }
    if (ending) pendingOf.delete(conn);
    return q;
  }
}

/**
 * One hand-written multi-statement text on one pooled connection: ONE round trip (db.ts
 * Db.oneTrip, MySQL only). The text carries its own BEGIN … COMMIT; when any statement fails
 * the server stops there, so the connection is rolled back before it goes back to the pool.
 */
export interface OneTrip {
  /** Each statement's result, in order. */
  batch(sql: string, bindings: readonly unknown[]): Promise<unknown[]>;
}

interface PoolClient {
  acquireConnection(): Promise<RawConnection & object>;
  releaseConnection(conn: object): Promise<unknown>;
}

export function oneTripOf(knex: Knex): OneTrip {
  const client = knex.client as unknown as PoolClient;
  return {
    async batch(sql, bindings) {
      const conn = await client.acquireConnection();
      try {
        const [rows] = await run(conn, sql, bindings, {});
        return rows as unknown[];
      } catch (err) {
        await run(conn, 'ROLLBACK', undefined, {}).catch(() => undefined);
        throw err;
      } finally {
        await client.releaseConnection(conn);
      }
    },
  };
}

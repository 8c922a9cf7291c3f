/**
 * Counts the queries mysql2 sends (a pipelined batch of statements counts once): the driver's
 * Connection#query, which knex uses, wrapped for the duration of one piece of work.
 */
import { createRequire } from 'node:module';

type QueryFn = (...args: unknown[]) => unknown;
const { Connection } = createRequire(import.meta.url)('mysql2') as {
  Connection: { prototype: { query: QueryFn } };
};

/** Runs `fn` and returns how many queries mysql2 sent meanwhile. */
export async function roundTrips(fn: () => Promise<unknown>): Promise<number> {
  const original = Connection.prototype.query;
  let n = 0;
  Connection.prototype.query = function (this: unknown, ...args: unknown[]) {
    n += 1;
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    Connection.prototype.query = original;
  }
  return n;
}

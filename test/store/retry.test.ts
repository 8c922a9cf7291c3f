import assert from 'node:assert/strict';
import { isRetryable, withRetry } from '../../daemon/src/store/retry.js';

const dbError = (props: Record<string, unknown>) => Object.assign(new Error('db'), props);

describe('retrying a transaction the database asked to re-run', () => {
  it('recognises deadlocks, lock wait timeouts and SQLite busy, and nothing else', () => {
    assert.equal(isRetryable(dbError({ errno: 1213, code: 'ER_LOCK_DEADLOCK' })), true);
    assert.equal(isRetryable(dbError({ errno: 1205, code: 'ER_LOCK_WAIT_TIMEOUT' })), true);
    assert.equal(isRetryable(dbError({ code: 'SQLITE_BUSY' })), true);
    assert.equal(isRetryable(dbError({ errno: 1062, code: 'ER_DUP_ENTRY' })), false);
    assert.equal(isRetryable(dbError({ code: 'PROTOCOL_CONNECTION_LOST' })), false);
    assert.equal(isRetryable(new Error('plain')), false);
  });

  it('re-runs the whole unit until it succeeds', async () => {
    let calls = 0;
    const seen: number[] = [];
    const out = await withRetry(
      async () => {
        calls += 1;
        if (calls < 4) throw dbError({ errno: 1213 });
        return 'done';
      },
      { baseDelayMs: 1, onRetry: (_e, n) => seen.push(n) },
    );
    assert.equal(out, 'done');
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('gives up after the bounded number of attempts with the last error', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls += 1;
          throw dbError({ code: 'SQLITE_BUSY' });
        },
        { attempts: 3, baseDelayMs: 1 },
      ),
      /db/,
    );
    assert.equal(calls, 3);
  });

  it('never re-runs an error that is not a retry request', async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(async () => {
        calls += 1;
        throw dbError({ errno: 1062 });
      }),
    );
    assert.equal(calls, 1);
  });
});

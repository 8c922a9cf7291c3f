/**
 * An authorise that misses its deadline is refused (DBERROR), but the database may still run and
 * commit it later: a frozen server resumes, a lock is released. Whenever that late commit lands
 * relative to the journal replay, nothing may stay reserved. The store below is the real one; only
 * the moment the late authorise reaches the database is chosen by the test.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { inspect } from 'node:util';
import type { Rate } from '../../daemon/src/rating/index.js';
import { Journal } from '../../daemon/src/resilience/journal.js';
import { wrapStore } from '../../daemon/src/resilience/resilient-store.js';
import type {
  AuthoriseRequest,
  AuthoriseResult,
  BillingStore,
} from '../../daemon/src/session/ports.js';
import { StoreError } from '../../daemon/src/store/errors.js';
import { forEachDatabase } from '../support/db.js';
import { assertBooksBalance, authoriseReq, journalDir } from './support.js';

/** When the late commit lands: before the replay, or right after one of the replay's writes. */
type When = 'before the replay' | 'recordRefusal' | 'settle';

interface LateCommit {
  store: BillingStore;
  /** Runs the held authorise against the database now (once); its result, or the error it threw. */
  run(): Promise<AuthoriseResult | Error>;
}

/**
 * `inner` whose authorise never answers its caller; the real authorise runs later, as a database
 * that resumes would run it: when the test says so, or right after the replay's first `when` write.
 */
function lateCommitting(inner: BillingStore, when: When): LateCommit {
  let held: AuthoriseRequest | null = null;
  let late: Promise<AuthoriseResult | Error> | null = null;
  const run = (): Promise<AuthoriseResult | Error> => {
    if (!held) throw new Error('no authorise is held');
    late ??= inner
      .authorise(held)
      .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    return late;
  };
  const store: BillingStore = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'authorise') {
        return (req: AuthoriseRequest) => {
          held = req;
          return new Promise<never>(() => undefined);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop !== when) return value.bind(target);
      return async (...args: unknown[]) => {
        const result: unknown = await value.apply(target, args);
        if (held) await run();
        return result;
      };
    },
  });
  return { store, run };
}

describe('an authorise refused at its deadline and committed later', function () {
  this.timeout(30_000);

  forEachDatabase((tdb) => {
    let rate: Rate;
    const dirs: string[] = [];

    before(async () => {
      const t = await tdb.open();
      rate = await t.seedRate({
        tariff: 'default',
        prefix: '44',
        rate: '0.06',
        initial: 60,
        increment: 6,
      });
    });

    after(() => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    for (const when of ['before the replay', 'recordRefusal', 'settle'] as const) {
      const landing =
        when === 'before the replay'
          ? when
          : `right after the replay's ${when === 'settle' ? 'release' : 'refusal CDR'}`;
      it(`leaves nothing reserved when the late commit lands ${landing}`, async () => {
        const t = await tdb.open();
        const acct = await t.seedAccount({ balance: '10' });
        const dir = journalDir();
        dirs.push(dir);
        const journal = await Journal.open(dir);
        try {
          const late = lateCommitting(t.store, when);
          const store = wrapStore(late.store, { journal, deadlineMs: 100 });
          const uniqueid = `late-${when.replace(/ /g, '-')}`;

          assert.deepEqual(await store.authorise(authoriseReq(uniqueid, acct.id, rate)), {
            ok: false,
            reason: 'DBERROR',
            available: 0n,
          });
          if (when === 'before the replay')
            assert.equal(
              ((await late.run()) as AuthoriseResult).ok,
              true,
              'the late authorise reserved',
            );
          const rep = await store.replay();
          assert.equal(rep.stoppedBy, null);
          assert.equal(store.pending(), 0);

          const result = await late.run();
          if (when !== 'before the replay') {
            assert.ok(
              result instanceof StoreError && result.code === 'CONFLICT',
              `turned down by the refusal already written, not committed: ${result instanceof Error ? result.message : inspect(result)}`,
            );
          }
          await assertBooksBalance(t, acct.name, acct.balance, { [uniqueid]: 0n });
          assert.equal((await t.store.cdr(uniqueid))?.disposition, 'FAILED');
        } finally {
          await journal.close();
        }
      });
    }
  });
});

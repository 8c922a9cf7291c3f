/** Shared set-up of the database-outage tests: a private MariaDB, seeded accounts, wrapped stores. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callCost, type Money, type Rate } from '../../daemon/src/rating/index.js';
import { Journal } from '../../daemon/src/resilience/journal.js';
import { knexLateCharge } from '../../daemon/src/resilience/late-charge.js';
import {
  wrapStore,
  type ResilienceOptions,
  type ResilientStore,
} from '../../daemon/src/resilience/resilient-store.js';
import type { AuthoriseRequest, SettleRequest } from '../../daemon/src/session/ports.js';
import type { TestDatabase, TestStore } from '../support/db.js';

export const T0 = new Date('2026-11-22T10:00:00.000Z');

export const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

export function journalDir(): string {
  return mkdtempSync(join(tmpdir(), 'astbill-journal-'));
}

/** A "daemon process": its own pool on the database, the journal in `dir`, the wrapper. */
export interface Node {
  t: TestStore;
  journal: Journal;
  store: ResilientStore;
}

export async function startNode(
  tdb: TestDatabase,
  dir: string,
  opts: Partial<ResilienceOptions> = {},
): Promise<Node> {
  const t = await tdb.open({ probe: false });
  const journal = await Journal.open(dir);
  const store = wrapStore(t.store, {
    journal,
    deadlineMs: 1500,
    lateCharge: knexLateCharge(t.db),
    ...opts,
  });
  return { t, journal, store };
}

export function authoriseReq(
  uniqueid: string,
  accountId: number,
  rate: Rate,
  start = T0,
): AuthoriseRequest {
  return {
    uniqueid,
    accountId,
    src: '15550101',
    dst: `${rate.prefix}2071234567`,
    rate,
    node: 'n1',
    defaultMaxSeconds: 3600,
    start,
  };
}

export function answeredSettle(uniqueid: string, billsec: number, answerAt = 5): SettleRequest {
  return {
    uniqueid,
    disposition: 'ANSWERED',
    hangupCause: 16,
    answer: at(answerAt),
    end: at(answerAt + billsec),
    billsec,
  };
}

export function unansweredSettle(uniqueid: string): SettleRequest {
  return {
    uniqueid,
    disposition: 'NO ANSWER',
    hangupCause: 19,
    answer: null,
    end: at(30),
    billsec: 0,
  };
}

/** What a call of `billsec` on `rate` costs (the rating module; checked against literals where it matters). */
export const costOf = (rate: Rate, billsec: number): Money => callCost(rate, billsec);

/**
 * The money invariants after a fault, for one account: the balance is the opening balance minus
 * exactly one charge per charged call, the ledger sums to the balance, no reservation and no
 * reserved money is left, every CDR of the account is settled.
 */
export async function assertBooksBalance(
  t: TestStore,
  name: string,
  opening: Money,
  charges: Record<string, Money>,
): Promise<void> {
  const acct = await t.store.accountDetails(name);
  assert.ok(acct, `account ${name}`);
  const expectedTotal = Object.values(charges).reduce((a, b) => a + b, 0n);
  assert.equal(acct.balance, opening - expectedTotal, `balance of ${name}`);
  assert.equal(acct.reserved, 0n, `reserved money left on ${name}`);
  assert.equal(
    await t.store.ledgerSum(acct.id),
    acct.balance,
    `ledger of ${name} sums to its balance`,
  );
  const ledger = await t.store.ledger(acct.id);
  const chargeRows = ledger.filter((e) => e.kind === 'charge');
  const byRef = new Map<string, Money>();
  for (const e of chargeRows) {
    assert.ok(
      e.reference !== null && !byRef.has(e.reference),
      `one charge row per call (${e.reference})`,
    );
    byRef.set(e.reference, -e.amount);
  }
  const expectedRows = Object.entries(charges).filter(([, c]) => c > 0n);
  assert.deepEqual(
    Object.fromEntries(byRef),
    Object.fromEntries(expectedRows),
    `charge rows of ${name}`,
  );
  for (const [uniqueid, cost] of Object.entries(charges)) {
    const cdr = await t.store.cdr(uniqueid);
    assert.ok(cdr, `CDR ${uniqueid}`);
    assert.equal(cdr.status, 'settled', `CDR ${uniqueid} settled`);
    assert.equal(cdr.cost, cost, `cost of ${uniqueid}`);
  }
  const left = (await t.store.reservations()).filter((r) => r.accountId === acct.id);
  assert.deepEqual(left, [], `reservations left on ${name}`);
}

/**
 * Number normalisation in the call flow (rules: rating/normalise.ts): the dialled digits become
 * the E.164 number that is rated and dialled, by the account's rules; a caller ID becomes one by
 * the default rules before it is looked up as an ANI.
 */
import { normaliseNumber, type NumberRule } from '../rating/index.js';
import { db } from './call-scope.js';
import type { Account, BillingStore } from './ports.js';

export type Destination =
  /** `dialled`: the digits as dialled, present only when the rules changed them. */
  { ok: true; dst: string; dialled?: string } | { ok: false; why: string };

/**
 * The destination `account` dialled as `digits`, normalised (a store without rules: as dialled).
 * `known`: the account's rules, already read with the account (no round trip of their own).
 */
export async function normaliseDestination(
  store: BillingStore,
  account: Pick<Account, 'name' | 'tariff'>,
  digits: string,
  known?: readonly NumberRule[],
): Promise<Destination> {
  if (!known && !store.numberRules) return { ok: true, dst: digits };
  const rules = known ?? (await db(() => store.numberRules!(account)));
  const n = normaliseNumber(rules, digits);
  if (!n.ok) return { ok: false, why: n.why };
  return n.number === digits
    ? { ok: true, dst: digits }
    : { ok: true, dst: n.number, dialled: digits };
}

/** The caller ID in E.164 by the default rules, or undefined when there are none or it gives no number. */
export async function normalisedCallerId(
  store: BillingStore,
  callerId: string,
): Promise<string | undefined> {
  if (!store.callerIdRules) return undefined;
  const rules = await store.callerIdRules();
  if (rules.length === 0) return undefined;
  const n = normaliseNumber(rules, callerId);
  return n.ok && n.number !== callerId ? n.number : undefined;
}

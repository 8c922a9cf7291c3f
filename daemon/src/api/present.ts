/**
 * The JSON shapes of the API's resources: each presenter returns the type its schema in
 * resources.ts derives, so a field the document does not describe does not compile. Money is
 * always a decimal string (formatMoney: exact, at least 2 decimals); times are ISO 8601 UTC.
 */
import { cdrFields, type CdrFields } from '../cdr-fields.js';
import { formatMoney, type Money, type Rate } from '../rating/index.js';
import type { Account, Reservation } from '../session/ports.js';
import type { AccountDetails } from '../store/accounts.js';
import type { Cdr } from '../store/cdrs.js';
import type { LedgerEntry } from '../store/ledger.js';
import type { LiveCallInfo } from './ports.js';
import type { AccountJson, CallJson, CdrJson, LedgerJson, RateJson } from './resources.js';

export { accountSchema, callSchema, cdrSchema, ledgerSchema, rateSchema } from './resources.js';

export const money = (m: Money): string => formatMoney(m, 2);
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
export function presentAccount(a: Account | AccountDetails): AccountJson {
  const out: AccountJson = {
    name: a.name,
    status: a.status,
    balance: money(a.balance),
    creditLimit: money(a.creditLimit),
    reserved: money(a.reserved),
    available: money(a.balance + a.creditLimit - a.reserved),
    currency: a.currency,
    tariff: a.tariff,
    maxCalls: a.maxCalls,
    maxCallSeconds: a.maxCallSeconds,
    hasPin: a.hasPin,
  };
  if ('anis' in a) {
    out.anis = a.anis;
    out.liveCalls = a.liveCalls;
    out.created = a.created.toISOString();
    out.updated = a.updated.toISOString();
  }
  return out;
}

export function presentRate(r: Rate): RateJson {
  return {
    tariff: r.tariff,
    prefix: r.prefix,
    description: r.description,
    ratePerMin: money(r.ratePerMin),
    connectFee: money(r.connectFee),
    initialSecs: r.initialSecs,
    incrementSecs: r.incrementSecs,
    minSecs: r.minSecs,
  };
}

export function presentLedger(e: LedgerEntry, account: string): LedgerJson {
  return {
    id: e.id,
    account,
    kind: e.kind,
    amount: money(e.amount),
    balanceAfter: money(e.balanceAfter),
    reference: e.reference,
    note: e.note,
    created: e.created.toISOString(),
  };
}

export { CDR_COLUMNS } from '../cdr-fields.js';

export function presentCdr(c: Cdr): CdrJson & CdrFields {
  return cdrFields(c, money);
}

export function presentCall(
  r: Reservation | undefined,
  live: LiveCallInfo | undefined,
  node: string,
): CallJson {
  return {
    id: r?.uniqueid ?? live!.id,
    account: r?.account ?? live?.account ?? null,
    node: r?.node ?? node,
    state: live?.state ?? (r?.answer ? 'talking' : 'authorised'),
    destination: live?.destination ?? null,
    callerNumber: live?.callerNumber ?? null,
    started: iso(r?.created ?? null),
    answered: iso(r?.answer ?? live?.answeredAt ?? null),
    maxSeconds: r?.maxSeconds ?? live?.grantedSeconds ?? null,
    maxCost: r ? money(r.maxCost) : null,
  };
}

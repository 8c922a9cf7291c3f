/**
 * What the resilient store answers to an authorise the database could not: policy 'refuse'
 * journals a refusal CDR and a release; 'allow-capped' grants a call of at most
 * `failureSeconds` within the last known available credit of the account minus this daemon's
 * other outage calls, and within its per-call money cap, journaled as an outage grant (charged at
 * replay with the note 'db-outage'). Refused instead:
 *   - an account whose caps this process has not seen (no authorise of it answered since the
 *     start): its caps are unknown;
 *   - an account with a day or month spend cap. The room such a cap has left cannot be proven
 *     without the database: since the last authorise this daemon saw, other daemons on the
 *     database, callbacks and grant extensions (which authorise on the database directly) may
 *     have spent it, so a grant from the snapshot could take the period past its cap (chaos
 *     seed 168: two daemons). A cap is a promise to the account holder; an outage call is not.
 */
import type { Logger } from '../log.js';
import {
  minMoney,
  NO_CAPS_SNAPSHOT,
  pricingOf,
  type CapsSnapshot,
  type Money,
} from '../rating/index.js';
import type { Account, AuthoriseRequest, AuthoriseResult } from '../session/ports.js';
import type { Journal } from './journal.js';
import { outageBill } from './late-charge.js';
import type { OutageGrant } from './records.js';

/** The refusal given when the database cannot authorise a call (policy 'refuse'). */
export type DbErrorRefusal = { ok: false; reason: 'DBERROR'; available: Money };

/**
 * The DBERROR refusal. ports.ts' AuthoriseResult does not list DBERROR among the authorise
 * refusals yet; the session already refuses with whatever reason it is given (announcement,
 * hangup, no CDR of its own since `recorded`), so the cast is sound until ports.ts widens it.
 */
function dbErrorRefusal(): AuthoriseResult {
  const r: DbErrorRefusal = { ok: false, reason: 'DBERROR', available: 0n };
  return r as unknown as AuthoriseResult;
}

export interface OutagePolicyOptions {
  journal: Journal;
  failureSeconds: number;
  /** The last account answer the store saw for this id, if any. */
  knownAccount(id: number): Account | undefined;
  log?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export class OutagePolicy {
  /** Outage calls up in this process. */
  readonly calls = new Map<string, OutageGrant>();
  /** Per account id: its caps as the last answered authorise showed them. */
  private readonly caps = new Map<number, CapsSnapshot>();

  constructor(private readonly opts: OutagePolicyOptions) {}

  /**
   * This daemon's outage calls on the account: up, ended and waiting in the journal, or orphaned
   * (granted by an earlier run that stopped before the call ended: its whole grant, until the
   * replay charges it).
   */
  private held(accountId: number): Money {
    let held = 0n;
    for (const g of this.calls.values()) if (g.req.accountId === accountId) held += g.maxCost;
    const pending = this.opts.journal.pending();
    const ended = new Set(pending.filter((r) => r.kind === 'outage-call').map((r) => r.uniqueid));
    for (const r of pending) {
      if (r.kind === 'outage-call' && r.grant.req.accountId === accountId)
        held += outageBill(r).cost;
      else if (
        r.kind === 'outage-grant' &&
        r.grant.req.accountId === accountId &&
        !this.calls.has(r.uniqueid) &&
        !ended.has(r.uniqueid)
      )
        held += r.grant.maxCost;
    }
    return held;
  }

  /**
   * Whether this daemon has outage calls on the account the database does not hold yet (up and
   * not adopted, or ended and not written back): an authorise by the database would not count them.
   */
  unwritten(accountId: number): boolean {
    for (const g of this.calls.values()) if (g.req.accountId === accountId) return true;
    return this.opts.journal
      .pending()
      .some((r) => r.kind === 'outage-call' && r.grant.req.accountId === accountId);
  }

  /** Credit the account is known to have, minus this daemon's outage calls on it. */
  private available(account: Account): Money {
    return account.balance + account.creditLimit - account.reserved - this.held(account.id);
  }

  /**
   * What an authorise the database answered says of the account's caps: whether a day or month
   * cap applies (allowCapped refuses such accounts) and its per-call money cap.
   */
  noteAuthorised(accountId: number, result: AuthoriseResult): void {
    if (result.ok) {
      // No caps on a granted answer: the account has no money cap (store/tx/authorise.ts).
      this.caps.set(accountId, result.caps ?? NO_CAPS_SNAPSHOT);
      return;
    }
    const reason = (result as { reason: string }).reason;
    if (reason === 'CAP_DAY' || reason === 'CAP_MONTH')
      this.caps.set(accountId, {
        ...(this.caps.get(accountId) ?? { callMax: null }),
        periodRoom: 0n,
      });
  }

  async allowCapped(req: AuthoriseRequest): Promise<AuthoriseResult> {
    const account = this.opts.knownAccount(req.accountId);
    if (!account || account.status !== 'active') return this.refuse(req);
    // The exchange rate in force cannot be read without the database: no converted outage call.
    if (req.rate.currency && req.rate.currency !== account.currency) return this.refuse(req);
    const cap = Math.min(this.opts.failureSeconds, account.maxCallSeconds ?? req.defaultMaxSeconds);
    if (
      account.maxCalls !== null &&
      [...this.calls.values()].filter((g) => g.req.accountId === account.id).length >=
        account.maxCalls
    ) {
      return this.refuse(req);
    }
    const caps = this.caps.get(account.id);
    // periodRoom is non-null exactly when a day or month cap applies (or one refused the call).
    if (!caps || caps.periodRoom !== null) return this.refuse(req);
    const available = this.available(account);
    const money = caps.callMax === null ? available : minMoney(available, caps.callMax);
    // A banded rate is priced as if talk began now, as authorise prices it (store/tx/authorise.ts).
    const pricing = pricingOf(req.rate, req.start.getTime());
    const maxSeconds = pricing.maxAffordable(money, cap);
    if (maxSeconds === 0) return this.refuse(req);
    const grant: OutageGrant = { req, maxSeconds, maxCost: pricing.cost(maxSeconds) };
    await this.opts.journal.append({ kind: 'outage-grant', uniqueid: req.uniqueid, grant });
    this.calls.set(req.uniqueid, grant);
    this.opts.log?.warn('database failing; call allowed with a capped grant', {
      uniqueid: req.uniqueid,
      maxSeconds,
      maxCost: grant.maxCost.toString(),
    });
    return { ok: true, maxSeconds, maxCost: grant.maxCost, available };
  }

  async refuse(req: AuthoriseRequest): Promise<AuthoriseResult> {
    // A timed-out authorise may still commit. The refusal CDR goes first: once it is written, the
    // late authorise finds it and is turned down (CONFLICT, rolled back); if the late one committed
    // first, the refusal finds its CDR and the release after it frees the reservation. The other
    // order leaves a reservation when the late commit lands between the two.
    await this.opts.journal.append(
      {
        kind: 'refusal',
        uniqueid: req.uniqueid,
        refusal: {
          uniqueid: req.uniqueid,
          accountId: req.accountId,
          src: req.src,
          dst: req.dst,
          reason: 'DBERROR',
          node: req.node,
          start: req.start,
        },
      },
      {
        kind: 'settle',
        uniqueid: req.uniqueid,
        settle: {
          uniqueid: req.uniqueid,
          disposition: 'FAILED',
          hangupCause: null,
          answer: null,
          end: req.start,
          billsec: 0,
          note: 'db-outage: refused',
        },
      },
    );
    return dbErrorRefusal();
  }
}

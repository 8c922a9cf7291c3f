/**
 * wrapStore: the BillingStore a call session uses when the database may be slow or down
 * (Credit-Control-Failure-Handling in spirit). Every call to the database is bounded by a
 * deadline; what happens when one fails or times out:
 *
 *   settle         the settlement is journaled (fsync'd) and the call ends normally with
 *                  `{ settled: true, pending: true, cost: <what will be charged> }`; the
 *                  replayer writes it exactly once when the database is back. The session
 *                  never sees an error, so it neither retries nor treats it as a crash.
 *   authorise      policy 'refuse' (default): `{ ok: false, reason: 'DBERROR' }` and nothing
 *                  is written to the database; the refusal CDR, then a release of whatever a
 *                  timed-out authorise may still commit, are journaled for later.
 *                  policy 'allow-capped': a call of at most `failureSeconds`, within the last
 *                  known available credit of the account minus this daemon's other outage
 *                  calls (none for an account with a day or month cap: outage-policy.ts);
 *                  journaled as an outage grant, charged later with the note 'db-outage'.
 *   markAnswered   journaled; never fails the call (a running call keeps its limit).
 *   recordRefusal  journaled.
 *   reads          (account, rate) throw DbUnavailable; under 'allow-capped' the last answer
 *                  seen for the same question is used instead, if there is one (so that known
 *                  callers can be identified and rated during the outage; an account read with
 *                  its rate is remembered as the two answers).
 *                  If the inner store cannot read both in one go, it is asked in turn.
 *   reservations   throws; on success, reservations whose settlement waits in the journal are
 *                  left out (nobody else must settle them from a guess).
 *
 * Store errors about the input (StoreError NOT_FOUND, CONFLICT, …) are not outages: they are
 * passed through unchanged.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../log.js';
import { costOf, type NumberRule, type Rate } from '../rating/index.js';
import {
  composedAccountWithRate,
  type Account,
  type AccountWithRate,
  type AuthoriseRequest,
  type BillingStore,
  type RefusalRecord,
  type Reservation,
  type SettleRequest,
  type SettleResult,
} from '../session/ports.js';
import { errorText } from '../error-text.js';
import { adoptLive, type Adopt } from './adopt.js';
import type { DbFailurePolicy } from './config.js';
import { DbGuard, type DbHealth } from './db-guard.js';
import { DbUnavailable } from './deadline.js';
import type { Journal } from './journal.js';
import { outageBill, type LateCharge } from './late-charge.js';
import { OutagePolicy } from './outage-policy.js';
import type { UnseenEnds } from '../session/unseen-end.js';

export type { DbHealth } from './db-guard.js';
export type { DbErrorRefusal } from './outage-policy.js';
import { replayJournal, type ReplayReport } from './replay.js';

/** A settle whose write waits in the journal. */
export interface PendingSettleResult extends SettleResult {
  pending: true;
}

export type ResilientSettleResult = SettleResult | PendingSettleResult;

export interface ResilienceOptions {
  journal: Journal;
  /** Longest wait for one database call (default 2500 ms). */
  deadlineMs?: number;
  policy?: DbFailurePolicy;
  /** Cap of a call allowed under 'allow-capped' (default 60 s). */
  failureSeconds?: number;
  /** Writes outage calls at replay time (needed for 'allow-capped'; see knexLateCharge). */
  lateCharge?: LateCharge;
  /** Makes outage calls still up normal calls once the database is back (adopt.ts). */
  adopt?: Adopt;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Most remembered read answers (default 10 000). */
  cacheSize?: number;
  /** Asterisk's time as the daemon knows it (the replay compares it with answer times). */
  now?: () => Date;
  /** The rule for an outage call whose end nobody saw (its daemon crashed; unseen-end.ts). */
  unseen?: Pick<UnseenEnds, 'decide'>;
  /**
   * Ends a live call within `maxSeconds` of its answer through its session's limit (adopt.ts:
   * the database held it with a shorter grant than the outage grant it runs on).
   */
  limitTo?: (uniqueid: string, maxSeconds: number) => void;
}

export interface ResilientStore extends BillingStore {
  settle(req: SettleRequest): Promise<ResilientSettleResult>;
  /** Journal records waiting for the database (for health and metrics). */
  pending(): number;
  /** When the oldest record still waiting was written (null: none waits). */
  oldestPending(): Date | null;
  health(): DbHealth;
  /** One replay pass now (the replayer calls this on its timer). */
  replay(): Promise<ReplayReport>;
  readonly journal: Journal;
  readonly inner: BillingStore;
  accountByNameWithRate(
    name: string,
    number: string,
    at?: Date,
  ): Promise<AccountWithRate | undefined>;
}

/** A bounded map of the last successful answers, oldest dropped first. */
class Remembered<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    return this.map.get(k);
  }
  set(k: string, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
}

interface Granted {
  rate: Rate;
  maxSeconds: number;
}

export function wrapStore(inner: BillingStore, opts: ResilienceOptions): ResilientStore {
  const journal = opts.journal;
  const deadlineMs = opts.deadlineMs ?? 2500;
  const policy = opts.policy ?? 'refuse';
  const failureSeconds = opts.failureSeconds ?? 60;
  const log = opts.logger;
  const now = opts.now ?? (() => new Date());
  const cacheSize = opts.cacheSize ?? 10_000;
  if (policy === 'allow-capped' && !opts.lateCharge)
    throw new Error("the 'allow-capped' policy needs a lateCharge writer");

  const accounts = new Remembered<Account>(cacheSize);
  const accountsById = new Remembered<Account>(cacheSize);
  const rates = new Remembered<Rate>(cacheSize);
  const numberRules = new Remembered<readonly NumberRule[]>(cacheSize);
  const rulesRead = (key: string, fn: (() => Promise<readonly NumberRule[]>) | undefined) =>
    read('numberRules', key, fn ?? (async () => []), numberRules, (v) => numberRules.set(key, v));
  /** Calls authorised by the database and not settled yet: what their settle will cost. */
  const granted = new Map<string, Granted>();
  const guard = new DbGuard(deadlineMs, policy, now, log);
  const call = <T>(what: string, fn: () => Promise<T>) => guard.call(what, fn);
  const outagePolicy = new OutagePolicy({
    journal,
    failureSeconds,
    knownAccount: (id) => accountsById.get(String(id)),
    ...(log ? { log } : {}),
  });
  const outage = outagePolicy.calls;

  const outageAuthorise = (req: AuthoriseRequest) =>
    policy === 'allow-capped' ? outagePolicy.allowCapped(req) : outagePolicy.refuse(req);
  /** One replay pass at a time: the replayer's timer and an authorise share the one running. */
  let replaying: Promise<ReplayReport> | null = null;

  const remember = (key: string, a: Account | undefined) => {
    if (!a) return;
    accounts.set(key, a);
    accountsById.set(String(a.id), a);
  };

  const pinKey = (pin: string) => 'pin:' + createHash('sha256').update(pin).digest('hex');

  async function read<T>(
    what: string,
    key: string,
    fn: () => Promise<T>,
    cache: Pick<Remembered<NonNullable<T>>, 'get'>,
    keep: (v: T) => void,
  ): Promise<T> {
    const r = await call(what, fn);
    if (r.ok) {
      keep(r.value);
      return r.value;
    }
    const known = policy === 'allow-capped' ? cache.get(key) : undefined;
    if (known !== undefined) {
      log?.warn('database failing; using the last known answer', { op: what });
      return known;
    }
    throw new DbUnavailable(`database unavailable (${what}): ${errorText(r.error)}`, {
      cause: r.error,
    });
  }

  const store: ResilientStore = {
    journal,
    inner,

    accountByName: (name) =>
      read(
        'accountByName',
        `name:${name}`,
        () => inner.accountByName(name),
        accounts,
        (a) => remember(`name:${name}`, a),
      ),
    accountByAni: (number) =>
      read(
        'accountByAni',
        `ani:${number}`,
        () => inner.accountByAni(number),
        accounts,
        (a) => remember(`ani:${number}`, a),
      ),
    accountByPin: (pin) =>
      read(
        'accountByPin',
        pinKey(pin),
        () => inner.accountByPin(pin),
        accounts,
        (a) => remember(pinKey(pin), a),
      ),
    rateFor: (tariff, number, at) =>
      read(
        'rateFor',
        `${tariff}|${number}`,
        () => inner.rateFor(tariff, number, at),
        rates,
        (r) => {
          if (r) rates.set(`${tariff}|${number}`, r);
        },
      ),
    // Remembered as the two answers it combines, so either question finds it during an outage.
    accountByNameWithRate: (name, number, at) =>
      read(
        'accountByNameWithRate',
        `name:${name}`,
        () =>
          inner.accountByNameWithRate
            ? inner.accountByNameWithRate(name, number, at)
            : composedAccountWithRate(inner, name, number, at),
        {
          get: () => {
            const account = accounts.get(`name:${name}`);
            const rate = account && rates.get(`${account.tariff}|${number}`);
            return account && rate ? { account, rate } : undefined;
          },
        },
        (found) => {
          remember(`name:${name}`, found?.account);
          if (found?.rate) rates.set(`${found.account.tariff}|${number}`, found.rate);
          // Rules read with the account answer numberRules during an outage as well.
          if (found?.rules)
            numberRules.set(`rules:${found.account.name}|${found.account.tariff}`, found.rules);
        },
      ),

    numberRules: (account) =>
      rulesRead(
        `rules:${account.name}|${account.tariff}`,
        inner.numberRules && (() => inner.numberRules!(account)),
      ),
    callerIdRules: () => rulesRead('rules:', inner.callerIdRules && (() => inner.callerIdRules!())),

    async authorise(req) {
      // The database's available credit does not count this daemon's outage calls on the account
      // until they are written back (late charge) or adopted: do that first, or stay in outage mode.
      if (outagePolicy.unwritten(req.accountId)) {
        await store.replay();
        if (outagePolicy.unwritten(req.accountId)) return outageAuthorise(req);
      }
      const r = await call('authorise', () => inner.authorise(req));
      if (r.ok) {
        outagePolicy.noteAuthorised(req.accountId, r.value);
        if (r.value.ok)
          granted.set(req.uniqueid, { rate: req.rate, maxSeconds: r.value.maxSeconds });
        return r.value;
      }
      return outageAuthorise(req);
    },

    async markAnswered(uniqueid, answer, now) {
      if (outage.has(uniqueid)) {
        await journal.append({ kind: 'answer', uniqueid, answer });
        return;
      }
      const r = await call('markAnswered', () => inner.markAnswered(uniqueid, answer, now));
      if (!r.ok) await journal.append({ kind: 'answer', uniqueid, answer });
    },

    async settle(req): Promise<ResilientSettleResult> {
      const grant = outage.get(req.uniqueid);
      if (grant) {
        await journal.append({ kind: 'outage-call', uniqueid: req.uniqueid, grant, settle: req });
        outage.delete(req.uniqueid);
        const { billsec, cost } = outageBill({ grant, settle: req });
        return { settled: true, pending: true, cost, billsec, balanceAfter: 0n };
      }
      const r = await call('settle', () => inner.settle(req));
      const g = granted.get(req.uniqueid);
      if (r.ok) {
        granted.delete(req.uniqueid);
        return r.value;
      }
      await journal.append({ kind: 'settle', uniqueid: req.uniqueid, settle: req });
      granted.delete(req.uniqueid);
      const answered = req.disposition === 'ANSWERED';
      const billsec = answered
        ? Math.min(Math.max(0, Math.floor(req.billsec)), g?.maxSeconds ?? req.billsec)
        : 0;
      log?.warn('settlement journaled; it is written when the database is back', {
        uniqueid: req.uniqueid,
        billsec,
      });
      return {
        settled: true,
        pending: true,
        cost: answered && g ? costOf(g.rate, (req.answer ?? req.end).getTime(), billsec) : 0n,
        billsec,
        balanceAfter: 0n,
      };
    },

    async recordRefusal(rec: RefusalRecord) {
      const r = await call('recordRefusal', () => inner.recordRefusal(rec));
      if (!r.ok) await journal.append({ kind: 'refusal', uniqueid: rec.uniqueid, refusal: rec });
    },

    async reservations(node?: string): Promise<Reservation[]> {
      const r = await call('reservations', () => inner.reservations(node));
      if (!r.ok)
        throw new DbUnavailable(`database unavailable (reservations): ${errorText(r.error)}`, {
          cause: r.error,
        });
      const waiting = new Set(journal.pending().map((p) => p.uniqueid));
      return r.value.filter((res) => !waiting.has(res.uniqueid) && !outage.has(res.uniqueid));
    },

    pending: () => journal.size,
    oldestPending: () => journal.pending()[0]?.at ?? null,
    health: () => ({ ...guard.health }),

    replay: () =>
      (replaying ??= replayPass().finally(() => {
        replaying = null;
      })),
  };

  const replayPass = (): Promise<ReplayReport> =>
    replayJournal({
      journal,
      store: inner,
      lateCharge: opts.lateCharge,
      deadlineMs,
      isLive: (u) => outage.has(u),
      now,
      unseen: opts.unseen,
      logger: log,
    }).then(async (rep) => {
      if (rep.stoppedBy === null && opts.adopt && outage.size > 0) {
        try {
          const ids = await adoptLive({
            journal,
            adopt: opts.adopt,
            live: outage,
            deadlineMs,
            ...(opts.limitTo ? { limitTo: opts.limitTo } : {}),
            adopted: (u, g) => {
              outage.delete(u);
              granted.set(u, { rate: g.req.rate, maxSeconds: g.maxSeconds });
            },
          });
          for (const u of ids)
            rep.replayed.push({ id: u, kind: 'outage-grant', uniqueid: u, outcome: 'adopted' });
          rep.remaining = journal.size;
        } catch (err) {
          rep.stoppedBy = errorText(err);
        }
      }
      if (rep.replayed.length > 0) guard.ok();
      return rep;
    });
  return store;
}

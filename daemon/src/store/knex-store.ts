/**
 * The BillingStore the call session uses, over knex (MySQL/MariaDB or SQLite), plus the
 * operator operations the CLI and the HTTP API share. Reads are plain queries; every money
 * movement is one transaction in ./tx (authorise, extend, authorise-callback, settle, refusal,
 * topup). It is also the GrantStore of grant-mode charging and callback calls.
 */
import type { DestAction, DestScope, Money, NumberRule, Rate, SpendCaps } from '../rating/index.js';
import type {
  Account,
  AccountWithRate,
  AccountStatus,
  AuthoriseRequest,
  BillingStore,
  RefusalRecord,
  Reservation,
  SettleRequest,
  SettleResult,
} from '../session/ports.js';
import * as accounts from './accounts.js';
import * as limits from './account-limits.js';
import type { AccountDetails, NewAccount } from './accounts.js';
import * as caps from './caps.js';
import * as cdrs from './cdrs.js';
import * as destRules from './dest-rules.js';
import * as outbox from './outbox.js';
import type { OutboxEvent } from './outbox.js';
import type { Cdr, CdrFilter, CdrRange } from './cdrs.js';
import { databaseReachable, type Db, type Dialect } from './db.js';
import * as grants from './grants.js';
import type { GrantColumns } from './grants.js';
import type {
  CallbackAuthoriseRequest,
  TimeCallbackBRequest,
  TimeCallbackBResult,
  CallbackAuthoriseResult,
  ChargingMode,
  ExtendRequest,
  ExtendResult,
  GrantAuthoriseRequest,
  GrantAuthoriseResult,
  GrantStore,
  AnswerBandedRequest,
  AnswerBandedResult,
  BandStore,
} from '../session/grant-ports.js';
import { authoriseCallback } from './tx/authorise-callback.js';
import { timeCallbackB } from './tx/time-callback-b.js';
import { extend } from './tx/extend.js';
import * as ledger from './ledger.js';
import type { LedgerEntry } from './ledger.js';
import { StoreError } from './errors.js';
import { DEFAULT_PIN_MIN_LENGTH, pinHasher, pinProblem, type PinHasher } from './pin.js';
import type { Actor } from './operators/audit.js';
import { resetPin } from './tx/pin-reset.js';
import * as numberRules from './number-rules.js';
import { setupRead } from './setup-read.js';
import * as rates from './rates.js';
import * as rateVersions from './rate-versions.js';
import type { UpsertResult } from './rates.js';
import * as reservations from './reservations.js';
import { authorise } from './tx/authorise.js';
import { answerBanded } from './tx/answer-banded.js';
import { bandingFor, listBands, setBands, type TariffBands } from './bands.js';
import { AnswerBatch } from './answer-batch.js';
import { recordRefusal } from './tx/refusal.js';
import { settle } from './tx/settle.js';
import { topup, type TopupRequest } from './tx/topup.js';
import * as batches from './batches/index.js';
import { redeemVoucher, type RedeemResult } from './tx/redeem-voucher.js';
import * as trunks from './trunks.js';
import { trunkReport, type TrunkDay } from './trunk-report.js';
import { callAttempts, recentAsr, type CallAttempt } from './trunk-attempts.js';
import { claimTrunk, closeAttempt } from './tx/trunk-claim.js';
import type { Candidate, RoutePlan, Trunk, TrunkAsr } from '../rating/index.js';
import type {
  AttemptOutcome,
  ClaimRequest,
  ClaimResult,
  RouteCandidates,
  RoutingStore,
} from '../session/routing-ports.js';

export interface KnexStoreOptions {
  /** Key of the PIN HMAC; default ASTBILL_PIN_SECRET, else DEFAULT_PIN_SECRET (see pin.ts). */
  pinSecret?: string | undefined;
  /** Fewest digits of a new PIN (ASTBILL_PIN_MIN_LENGTH; default 6). */
  pinMinLength?: number | undefined;
  /** Window of the node's answer batch (store/answer-batch.ts), ms; default 0: each mark at once. */
  answerBatchMs?: number | undefined;
}

export class KnexBillingStore implements BillingStore, GrantStore, RoutingStore, BandStore {
  private readonly hashPin: PinHasher;
  private readonly pinMinLength: number | undefined;
  private readonly answers: AnswerBatch;

  constructor(
    readonly db: Db,
    opts: KnexStoreOptions = {},
  ) {
    this.hashPin = pinHasher(opts.pinSecret);
    this.pinMinLength = opts.pinMinLength;
    this.answers = new AnswerBatch(db, opts.answerBatchMs ?? 0);
  }

  /** Writes the answer marks still waiting for their batch (before the database is closed). */
  flushAnswers(): Promise<void> {
    return this.answers.flush();
  }

  // --- the call session's port -------------------------------------------------------------

  accountByName(name: string): Promise<Account | undefined> {
    return accounts.accountByName(this.db.knex, name);
  }

  accountByAni(number: string): Promise<Account | undefined> {
    return accounts.accountByAni(this.db.knex, number);
  }

  accountByPin(pin: string): Promise<Account | undefined> {
    return accounts.accountByPinHash(this.db.knex, this.hashPin(pin));
  }

  rateFor(tariff: string, number: string, at?: Date): Promise<Rate | undefined> {
    return rates.rateFor(this.db.knex, tariff, number, at);
  }

  accountByNameWithRate(
    name: string,
    number: string,
    at?: Date,
  ): Promise<AccountWithRate | undefined> {
    return setupRead(this.db.knex, name, number, at);
  }

  async numberRules(account: Pick<Account, 'name' | 'tariff'>): Promise<readonly NumberRule[]> {
    return (await numberRules.rulesForAccount(this.db.knex, account)).rules;
  }

  callerIdRules(): Promise<readonly NumberRule[]> {
    return numberRules.defaultRules(this.db.knex);
  }

  /** With `charging` (grant-ports.ts), a grant-mode account's call reserves its first grant only. */
  authorise(req: AuthoriseRequest | GrantAuthoriseRequest): Promise<GrantAuthoriseResult> {
    return authorise(this.db, req);
  }

  extend(req: ExtendRequest): Promise<ExtendResult> {
    return extend(this.db, req);
  }

  authoriseCallback(req: CallbackAuthoriseRequest): Promise<CallbackAuthoriseResult> {
    return authoriseCallback(this.db, req);
  }

  timeCallbackB(req: TimeCallbackBRequest): Promise<TimeCallbackBResult> {
    return timeCallbackB(this.db, req);
  }

  bandingFor(rate: Rate, number: string, at: Date): Promise<Rate['banding']> {
    return bandingFor(this.db.knex, rate, number, at);
  }

  answerBanded(req: AnswerBandedRequest): Promise<AnswerBandedResult> {
    return answerBanded(this.db, req);
  }

  markAnswered(uniqueid: string, answer: Date): Promise<void> {
    return this.answers.mark(uniqueid, answer);
  }

  settle(req: SettleRequest): Promise<SettleResult> {
    return settle(this.db, req);
  }

  async recordRefusal(rec: RefusalRecord): Promise<void> {
    await recordRefusal(this.db, rec);
  }

  blockedReservations = (node: string) => reservations.blockedReservations(this.db.knex, node);

  reservations(node?: string): Promise<Reservation[]> {
    return reservations.listReservations(this.db.knex, node);
  }

  // --- operators (CLI, HTTP API) -----------------------------------------------------------

  /** With `actor`, the change is written to the audit trail in the same transaction. */
  addAccount(input: NewAccount, actor?: Actor): Promise<AccountDetails> {
    return accounts.addAccount(this.db, input, this.hashPin, new Date(), this.pinMinLength, actor);
  }

  accountDetails(name: string): Promise<AccountDetails | undefined> {
    return accounts.accountDetails(this.db.knex, name);
  }

  listAccounts(): Promise<AccountDetails[]> {
    return accounts.listAccounts(this.db.knex);
  }

  setAccountStatus(name: string, status: AccountStatus, actor?: Actor): Promise<Account> {
    return accounts.setAccountStatus(this.db, name, status, new Date(), actor);
  }

  /** A new PIN (null: none) for an account; audited, and the PIN is checked like a new one. */
  async resetPin(name: string, pin: string | null, actor: Actor): Promise<void> {
    if (pin !== null) {
      const problem = pinProblem(pin, this.pinMinLength);
      if (problem) throw new StoreError('INVALID', problem);
    }
    return resetPin(this.db, {
      account: name,
      pinHash: pin === null ? null : this.hashPin(pin),
      actor,
    });
  }

  setLimits(name: string, patch: limits.LimitsPatch, actor: Actor): Promise<Account> {
    return limits.setLimits(this.db, name, patch, actor);
  }

  changeCallerIds(name: string, change: limits.CallerIdChange, actor: Actor): Promise<string[]> {
    return limits.changeCallerIds(this.db, name, change, actor);
  }

  /** A positive top-up, or a signed adjustment with `kind: 'adjustment'`. */
  topup(
    account: string,
    amount: Money,
    opts: Omit<TopupRequest, 'account' | 'amount'> = {},
  ): Promise<LedgerEntry> {
    return topup(this.db, { ...opts, account, amount });
  }

  ledger(accountId: number): Promise<LedgerEntry[]> {
    return ledger.ledgerOf(this.db.knex, accountId);
  }

  ledgerSum(accountId: number): Promise<Money> {
    return ledger.ledgerSum(this.db.knex, accountId);
  }

  /** Inserts or updates (same tariff and prefix) all rates in one transaction. */
  setBands = (set: TariffBands, actor?: Actor) => setBands(this.db, set, actor);
  listBands = (tariff?: string) => listBands(this.db.knex, tariff);

  upsertRates(list: readonly Rate[], actor?: Actor): Promise<UpsertResult> {
    return rates.upsertRates(this.db, list, actor);
  }

  /** The rule set a number dialled by `account` is normalised with, and where it came from. */
  ruleSetFor(account: Pick<Account, 'name' | 'tariff'>): Promise<numberRules.RuleSet> {
    return numberRules.rulesForAccount(this.db.knex, account);
  }

  listRuleSets(): Promise<numberRules.RuleSet[]> {
    return numberRules.listRuleSets(this.db.knex);
  }

  /** Replaces one normalisation rule set (no rules: removes it), in one transaction. */
  setNumberRules(set: numberRules.RuleSet, actor?: Actor): Promise<void> {
    return numberRules.setRules(this.db, set, actor);
  }

  /** The rates in force at `at` (default now). */
  listRates(tariff?: string, at?: Date): Promise<Rate[]> {
    return rates.listRates(this.db.knex, tariff, at);
  }

  /** Imports (or, with dryRun, only compares) a whole deck version effective at `effective`. */
  importRateVersion(
    list: readonly Rate[],
    effective: Date,
    opts: { dryRun?: boolean; actor?: Actor } = {},
  ): Promise<rateVersions.VersionDiff[]> {
    return rateVersions.importVersion(this.db, list, effective, opts);
  }

  rateVersions(tariff?: string): Promise<rateVersions.VersionInfo[]> {
    return rateVersions.listVersions(this.db.knex, tariff);
  }

  tariffExists(tariff: string): Promise<boolean> {
    return rates.tariffExists(this.db.knex, tariff);
  }

  cdr(uniqueid: string): Promise<Cdr | undefined> {
    return cdrs.cdrByUniqueid(this.db.knex, uniqueid);
  }

  cdrs(filter: CdrFilter = {}): Promise<Cdr[]> {
    return cdrs.listCdrs(this.db.knex, filter);
  }

  // --- reads for the operator API ------------------------------------------------------------

  /** CDRs by start time, oldest first, at most `limit` (`truncated` when more matched). */
  cdrsInRange(range: CdrRange): Promise<{ cdrs: Cdr[]; truncated: boolean }> {
    return cdrs.cdrsInRange(this.db.knex, range);
  }

  /** The live reservation of `uniqueid`, if any. */
  reservation(uniqueid: string): Promise<Reservation | undefined> {
    return reservations.reservationByUniqueid(this.db.knex, uniqueid);
  }

  /** Count and total max_cost of the live reservations (of `node`, or of all nodes). */
  reservedTotals(node?: string): Promise<{ calls: number; reserved: Money }> {
    return reservations.reservedTotals(this.db.knex, node);
  }

  /** True when the database answers `SELECT 1` within `timeoutMs`. */
  reachable(timeoutMs?: number): Promise<boolean> {
    return databaseReachable(this.db, timeoutMs);
  }

  get dialect(): Dialect {
    return this.db.dialect;
  }

  /** A CDR's grant-mode checkpoint and callback link. */
  grantColumns(uniqueid: string): Promise<GrantColumns | undefined> {
    return grants.grantColumns(this.db.knex, uniqueid);
  }

  /** The uniqueids of a callback call's CDRs, A leg first. */
  callbackCdrIds(callbackId: string): Promise<string[]> {
    return grants.callbackCdrIds(this.db.knex, callbackId);
  }

  /** Sets an account's own charging mode and grant size (null: the daemon's default). */
  async setCharging(
    name: string,
    c: { mode: ChargingMode | null; grantSeconds: number | null },
    actor?: Actor,
  ): Promise<void> {
    const a = await accounts.accountByName(this.db.knex, name);
    if (!a) throw new StoreError('NOT_FOUND', `no account '${name}'`);
    if (
      c.grantSeconds !== null &&
      (!Number.isInteger(c.grantSeconds) || c.grantSeconds < 1 || c.grantSeconds > 86_400)
    ) {
      throw new StoreError('INVALID', 'a grant must be 1..86400 seconds');
    }
    const audit = actor === undefined ? undefined : { actor, target: `account:${name}` };
    await grants.setCharging(this.db.knex, a.id, c, audit);
  }

  // --- carrier routing (store/trunks.ts, store/tx/trunk-claim.ts) ----------------------------

  async routeCandidates(tariff: string, dst: string): Promise<RouteCandidates> {
    const candidates: Candidate[] = await trunks.candidatesFor(this.db.knex, dst);
    const configured = candidates.length > 0 || (await trunks.routingConfigured(this.db.knex));
    const plan = configured ? await trunks.routePlan(this.db.knex, tariff) : trunks.noPlan();
    return { configured, plan, candidates };
  }

  claimTrunk(req: ClaimRequest): Promise<ClaimResult> {
    return claimTrunk(this.db, req);
  }

  closeAttempt(attemptId: number, o: AttemptOutcome): Promise<void> {
    return closeAttempt(this.db, attemptId, o);
  }
  callAttempts = (uniqueid: string): Promise<CallAttempt[]> => callAttempts(this.db.knex, uniqueid);
  recentAsr = (since: Date): Promise<Map<string, TrunkAsr>> => recentAsr(this.db.knex, since);

  addTrunk(t: trunks.NewTrunk, actor?: Actor): Promise<Trunk> {
    return trunks.addTrunk(this.db, t, new Date(), actor);
  }

  listTrunks(): Promise<Trunk[]> {
    return trunks.listTrunks(this.db.knex);
  }

  trunk(name: string): Promise<Trunk | undefined> {
    return trunks.trunkByName(this.db.knex, name);
  }

  setTrunkEnabled(name: string, enabled: boolean, actor?: Actor): Promise<Trunk> {
    return trunks.setTrunkEnabled(this.db, name, enabled, actor);
  }

  /** Inserts or updates (same prefix) a trunk's buy rates in one transaction. */
  upsertBuyRates(trunk: string, list: readonly Rate[], actor?: Actor): Promise<UpsertResult> {
    return trunks.upsertBuyRates(this.db, trunk, list, actor);
  }

  listBuyRates(trunk: string): Promise<Rate[]> {
    return trunks.listBuyRates(this.db.knex, trunk);
  }

  routePlan(tariff: string): Promise<RoutePlan> {
    return trunks.routePlan(this.db.knex, tariff);
  }

  setRoutePlan(tariff: string, mode: string, list: string, actor?: Actor): Promise<RoutePlan> {
    return trunks.setRoutePlan(this.db, tariff, mode, list, actor);
  }

  /** Per trunk and UTC day, attempts that started in [from, to). */
  trunkReport(from: Date, to: Date): Promise<TrunkDay[]> {
    return trunkReport(this.db.knex, from, to);
  }

  /** The spend caps of an account (store/caps.ts); undefined: no such account. */
  caps(name: string): Promise<SpendCaps | undefined> {
    return caps.capsByName(this.db.knex, name);
  }

  /** Sets some spend caps of an account (null clears one); NOT_FOUND / INVALID. */
  setCaps(name: string, patch: Partial<SpendCaps>, actor?: Actor): Promise<SpendCaps> {
    return caps.updateCaps(this.db.knex, name, patch, actor);
  }

  /** Allow / deny (null: remove) prefixes for a tariff or an account; returns how many rules changed. */
  setDestRules(
    scope: DestScope,
    owner: string,
    prefixes: readonly string[],
    action: DestAction | null,
    actor?: Actor,
  ): Promise<number> {
    return destRules.setDestRules(this.db.knex, scope, owner, prefixes, action, actor);
  }

  listDestRules(filter: { scope?: DestScope; owner?: string } = {}) {
    return destRules.listDestRules(this.db.knex, filter);
  }

  // --- the outbox (store/outbox.ts): events written by the money transactions ---------------

  dueEvents(now: Date, limit = 50, channel: outbox.Channel = 'webhook'): Promise<OutboxEvent[]> {
    return outbox.dueEvents(this.db.knex, now, limit, channel);
  }

  claimEvent(e: OutboxEvent, until: Date): Promise<boolean> {
    return outbox.claimEvent(this.db.knex, e, until);
  }

  recordDelivery(id: number, r: Parameters<typeof outbox.recordDelivery>[2]): Promise<void> {
    return outbox.recordDelivery(this.db.knex, id, r);
  }

  listEvents(filter: Parameters<typeof outbox.listEvents>[1] = {}) {
    return outbox.listEvents(this.db.knex, filter);
  }

  resendEvent(id: number, actor?: Actor, now = new Date()): Promise<boolean> {
    return outbox.resendEvent(this.db.knex, id, now, actor);
  }

  /**
   * A top-up booked at most once per reference (POST /payments): a repeat credits nothing and
   * returns the entry the first booked.
   */
  async topupByReference(
    account: string,
    amount: Money,
    reference: string,
  ): Promise<{ credited: boolean; entry: LedgerEntry }> {
    try {
      const entry = await this.topup(account, amount, { reference, actor: 'payment-signature' });
      return { credited: true, entry };
    } catch (err) {
      if (!(err instanceof StoreError) || err.code !== 'DUPLICATE') throw err;
      const entry = await ledger.ledgerByReference(this.db.knex, 'topup', reference);
      if (!entry) throw err;
      return { credited: false, entry };
    }
  }

  // --- card and voucher batches (store/batches, tx/redeem-voucher.ts) ------------------------

  generateCards(b: batches.NewCardBatch): Promise<batches.CardBatch> {
    return batches.generateCards(
      this.db,
      b,
      this.hashPin,
      this.pinMinLength ?? DEFAULT_PIN_MIN_LENGTH,
    );
  }

  generateVouchers(v: batches.NewVoucherBatch): Promise<batches.VoucherBatch> {
    return batches.generateVouchers(this.db, v, this.hashPin);
  }

  listBatches(kind: batches.BatchKind): Promise<batches.Batch[]> {
    return batches.listBatches(this.db.knex, kind);
  }

  batch(kind: batches.BatchKind, id: number): Promise<batches.BatchDetails | undefined> {
    return batches.batchDetails(this.db.knex, kind, id);
  }

  disableBatch(kind: batches.BatchKind, id: number, actor: Actor): Promise<batches.Batch> {
    return batches.disableBatch(this.db, kind, id, actor);
  }

  /** One code, at most once, atomically (tx/redeem-voucher.ts). */
  redeemVoucher(
    account: string,
    code: string,
    via: 'api' | 'cli' | 'phone',
    actor?: Actor,
  ): Promise<RedeemResult> {
    return redeemVoucher(this.db, {
      codeHash: batches.voucherHash(this.hashPin, code),
      account,
      via,
      actor,
    });
  }
}

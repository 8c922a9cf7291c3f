/**
 * The operator operations the CLI and the HTTP API share, over knex (accounts, rates, CDRs, the
 * operator API's reads). Every money movement is one transaction in ./tx; this only delegates.
 * Extended by RoutingMoneyStore and KnexBillingStore (knex-store.ts).
 */
import type { Money, Rate } from '../rating/index.js';
import type { Account, AccountStatus, Reservation } from '../session/ports.js';
import * as accounts from './accounts.js';
import * as limits from './account-limits.js';
import type { AccountDetails, NewAccount } from './accounts.js';
import * as cdrs from './cdrs.js';
import type { Cdr, CdrFilter, CdrRange } from './cdrs.js';
import { databaseReachable, type Db, type Dialect } from './db.js';
import * as grants from './grants.js';
import type { GrantColumns } from './grants.js';
import type { ChargingMode } from '../session/grant-ports.js';
import * as ledger from './ledger.js';
import type { LedgerEntry } from './ledger.js';
import { StoreError } from './errors.js';
import { pinHasher, pinProblem, type PinHasher } from './pin.js';
import type { Actor } from './operators/audit.js';
import { resetPin } from './tx/pin-reset.js';
import * as numberRules from './number-rules.js';
import * as rates from './rates.js';
import * as rateVersions from './rate-versions.js';
import type { UpsertResult } from './rates.js';
import * as reservations from './reservations.js';
import { listBands, setBands, type TariffBands } from './bands.js';
import * as fx from './fx.js';
import { topup, type TopupRequest } from './tx/topup.js';

export interface KnexStoreOptions {
  /** Key of the PIN HMAC; default ASTBILL_PIN_SECRET, else DEFAULT_PIN_SECRET (see pin.ts). */
  pinSecret?: string | undefined;
  /** Fewest digits of a new PIN (ASTBILL_PIN_MIN_LENGTH; default 6). */
  pinMinLength?: number | undefined;
  /** Window of the node's answer batch (store/answer-batch.ts), ms; absent or 0: each mark at once (the daemon passes ASTBILL_ANSWER_BATCH_MS, default 200). */
  answerBatchMs?: number | undefined;
}

export class OperatorStore {
  protected readonly hashPin: PinHasher;
  protected readonly pinMinLength: number | undefined;

  constructor(
    readonly db: Db,
    opts: KnexStoreOptions = {},
  ) {
    this.hashPin = pinHasher(opts.pinSecret);
    this.pinMinLength = opts.pinMinLength;
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

  /** Exchange rates and tariff currencies (fx.ts). */
  setFxRate = (e: fx.FxEntry, actor?: Actor) => fx.setFxRate(this.db, e, actor);
  listFxRates = () => fx.listFxRates(this.db.knex);
  setTariffCurrency = (tariff: string, currency: string | null, actor?: Actor) =>
    fx.setTariffCurrency(this.db, tariff, currency, actor);
  listTariffCurrencies = () => fx.listTariffCurrencies(this.db.knex);

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
    await grants.setCharging(this.db, a.id, c, audit);
  }
}

/**
 * The BillingStore the call session uses, over knex (MySQL/MariaDB or SQLite): every money
 * movement is one transaction in ./tx (authorise, extend, authorise-callback, settle, refusal,
 * topup). It is also the GrantStore of grant-mode charging and callback calls, the BandStore,
 * and (through RoutingMoneyStore and OperatorStore) the operator operations of CLI and API.
 */
import type { NumberRule, Rate } from '../rating/index.js';
import type {
  Account,
  AccountWithRate,
  AuthoriseRequest,
  BillingStore,
  RefusalRecord,
  Reservation,
  SettleRequest,
  SettleResult,
} from '../session/ports.js';
import * as accounts from './accounts.js';
import { type Db } from './db.js';
import type {
  CallbackAuthoriseRequest,
  TimeCallbackBRequest,
  TimeCallbackBResult,
  CallbackAuthoriseResult,
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
import * as numberRules from './number-rules.js';
import { setupRead } from './setup-read.js';
import { accountBy } from './identify-sql.js';
import * as rates from './rates.js';
import * as reservations from './reservations.js';
import { authorise } from './tx/authorise.js';
import { answerBanded } from './tx/answer-banded.js';
import { bandingFor } from './bands.js';
import { AnswerBatch } from './answer-batch.js';
import { recordRefusal } from './tx/refusal.js';
import { settle } from './tx/settle.js';
import type { RoutingStore } from '../session/routing-ports.js';
import { RoutingMoneyStore } from './routing-money-store.js';
import type { KnexStoreOptions } from './operator-store.js';

export type { KnexStoreOptions } from './operator-store.js';

export class KnexBillingStore
  extends RoutingMoneyStore
  implements BillingStore, GrantStore, RoutingStore, BandStore
{
  private readonly answers: AnswerBatch;

  constructor(db: Db, opts: KnexStoreOptions = {}) {
    super(db, opts);
    this.answers = new AnswerBatch(db, opts.answerBatchMs ?? 0);
  }

  /** Writes the answer marks still waiting for their batch (before the database is closed). */
  flushAnswers(): Promise<void> {
    return this.answers.flush();
  }

  // --- the call session's port -------------------------------------------------------------

  // MySQL: hand-written text (identify-sql.ts); SQLite: knex.
  accountByName(name: string): Promise<Account | undefined> {
    const oneTrip = this.db.oneTrip;
    return oneTrip ? accountBy(oneTrip, 'name', name) : accounts.accountByName(this.db.knex, name);
  }

  accountByAni(number: string): Promise<Account | undefined> {
    const oneTrip = this.db.oneTrip;
    return oneTrip
      ? accountBy(oneTrip, 'ani', number)
      : accounts.accountByAni(this.db.knex, number);
  }

  accountByPin(pin: string): Promise<Account | undefined> {
    const oneTrip = this.db.oneTrip;
    const hash = this.hashPin(pin);
    return oneTrip
      ? accountBy(oneTrip, 'pinHash', hash)
      : accounts.accountByPinHash(this.db.knex, hash);
  }

  rateFor(tariff: string, number: string, at?: Date): Promise<Rate | undefined> {
    return rates.rateFor(this.db.knex, tariff, number, at);
  }

  accountByNameWithRate(
    name: string,
    number: string,
    at?: Date,
  ): Promise<AccountWithRate | undefined> {
    return setupRead(this.db.knex, name, number, at, this.db.oneTrip);
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

  markAnswered(uniqueid: string, answer: Date, now?: boolean): Promise<void> {
    return this.answers.mark(uniqueid, answer, now);
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
}

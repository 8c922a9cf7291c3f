/**
 * Carrier routing (trunks, buy rates, claims: the RoutingStore port of the call flow) and the
 * money-in side over knex: spend caps, destination rules, the outbox, card and voucher batches.
 * Delegations only; every money movement is one transaction in ./tx.
 */
import type { DestAction, DestScope, Money, Rate, SpendCaps } from '../rating/index.js';
import * as caps from './caps.js';
import * as destRules from './dest-rules.js';
import * as outbox from './outbox.js';
import type { OutboxEvent } from './outbox.js';
import * as ledger from './ledger.js';
import type { LedgerEntry } from './ledger.js';
import { StoreError } from './errors.js';
import { DEFAULT_PIN_MIN_LENGTH } from './pin.js';
import type { Actor } from './operators/audit.js';
import type { UpsertResult } from './rates.js';
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
} from '../session/routing-ports.js';
import { OperatorStore } from './operator-store.js';

export class RoutingMoneyStore extends OperatorStore {
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

  // --- spend caps and destination rules (store/caps.ts, store/dest-rules.ts) ---------------

  /** The spend caps of an account (store/caps.ts); undefined: no such account. */
  caps(name: string): Promise<SpendCaps | undefined> {
    return caps.capsByName(this.db.knex, name);
  }

  /** Sets some spend caps of an account (null clears one); NOT_FOUND / INVALID. */
  setCaps(name: string, patch: Partial<SpendCaps>, actor?: Actor): Promise<SpendCaps> {
    return caps.updateCaps(this.db, name, patch, actor);
  }

  /** Allow / deny (null: remove) prefixes for a tariff or an account; returns how many rules changed. */
  setDestRules(
    scope: DestScope,
    owner: string,
    prefixes: readonly string[],
    action: DestAction | null,
    actor?: Actor,
  ): Promise<number> {
    return destRules.setDestRules(this.db, scope, owner, prefixes, action, actor);
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
    return outbox.resendEvent(this.db, id, now, actor);
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

/**
 * The store port of grant-mode charging and callback calls, beside ./ports.ts (BillingStore):
 * a store that implements `GrantStore` can extend a call's grant and authorise the two legs of a
 * callback together. KnexBillingStore implements it (store/tx/extend.ts,
 * store/tx/authorise-callback.ts).
 */
import type { Money, Rate } from '../rating/index.js';
import type { AuthoriseRefusal, AuthoriseRequest, AuthoriseResult } from './ports.js';

/** 'single': one reservation of the whole longest call; 'grant': slices extended while credit lasts. */
export type ChargingMode = 'single' | 'grant';

export const CHARGING_MODES: readonly ChargingMode[] = ['single', 'grant'];

/** The daemon's defaults; an account's own `charging_mode` / `grant_seconds` win when set. */
export interface ChargingDefaults {
  mode: ChargingMode;
  /** Slice of a grant in seconds (rounded to billing boundaries by rating/grants.ts). */
  grantSeconds: number;
}

/** authorise() with the charging defaults: in grant mode only the first grant is reserved. */
export type GrantAuthoriseRequest = AuthoriseRequest & { charging?: ChargingDefaults };

/** The daemon's grant-mode settings (config: ASTBILL_CHARGING_MODE, _GRANT_SECONDS, _GRANT_MARGIN, _GRANT_DEADLINE_MS). */
export interface GrantSettings extends ChargingDefaults {
  /** Seconds before a grant ends at which the next one is asked for. */
  releaseMarginSeconds: number;
  /** How long an extension may take before the call is left to end at its current grant. */
  extendDeadlineMs: number;
}

/** How a grant-mode call was granted. Absent (null) for single-mode calls. */
export interface GrantInfo {
  /** The slice size in force for this call. */
  grantSeconds: number;
  /** No extension will follow: the call is released at maxSeconds. */
  final: boolean;
}

export type GrantAuthoriseResult = AuthoriseResult & { grant?: GrantInfo | null };

export interface ExtendRequest {
  uniqueid: string;
  /** The granted total the caller knows of (compare-and-set: a repeated request changes nothing). */
  fromSeconds: number;
  /** Talk time confirmed so far (seconds since the answer): written on the CDR as a checkpoint. */
  confirmedSeconds: number;
  at: Date;
  /** Global longest call when the account sets none (config maxCallSeconds). */
  defaultMaxSeconds: number;
  /** The daemon's default slice when the account sets none. */
  defaultGrantSeconds: number;
}

export type ExtendResult =
  | {
      ok: true;
      /** The granted total now (seconds since the answer); > fromSeconds when extended. */
      maxSeconds: number;
      /** The reservation now: callCost(maxSeconds). */
      maxCost: Money;
      /** No extension will follow this one. */
      final: boolean;
      /** Why it is final: the money, the longest-call cap, a spend cap, a blocked account; null when not final. */
      why: 'credit' | 'cap' | 'spendcap' | 'blocked' | 'expiry' | null;
      /** false when nothing was granted now (no money for one more block, or a repeated request). */
      extended: boolean;
    }
  | { ok: false; reason: 'GONE' };

/** What answerBanded needs (store/tx/answer-banded.ts): the answer of a call on a banded rate. */
export interface AnswerBandedRequest {
  uniqueid: string;
  answer: Date;
  defaultMaxSeconds: number;
  /** Grant mode: the slice (the attempt's grantSeconds); null: single mode, the whole call. */
  grantSeconds: number | null;
}

export type AnswerBandedResult =
  { ok: true; maxSeconds: number; maxCost: Money; final: boolean } | { ok: false; reason: 'GONE' };

/**
 * Time-banded rates (store/bands.ts, store/tx/answer-banded.ts). Without this port every rate is
 * flat: bands are attached to a rate only where the answer can price them again.
 */
export interface BandStore {
  /** The bands of `rate`'s tariff for `number` at `at`, with their prices; undefined: none. */
  bandingFor(rate: Rate, number: string, at: Date): Promise<Rate['banding']>;
  /** ONE transaction: the answer, and the grant again from the answer instant. */
  answerBanded(req: AnswerBandedRequest): Promise<AnswerBandedResult>;
}

/** What authoriseCallback needs: both legs, one combined limit. */
export interface CallbackAuthoriseRequest {
  callbackId: string;
  accountId: number;
  node: string;
  start: Date;
  defaultMaxSeconds: number;
  a: { uniqueid: string; number: string; rate: Rate };
  b: { uniqueid: string; number: string; rate: Rate };
}

export type CallbackAuthoriseResult =
  | { ok: true; maxSeconds: number; costA: Money; costB: Money; available: Money }
  | { ok: false; reason: AuthoriseRefusal; available: Money };

/** What timeCallbackB needs: both legs and their answers (store/tx/time-callback-b.ts). */
export interface TimeCallbackBRequest {
  a: string;
  b: string;
  aAnswer: Date;
  /** null: A has just answered (a banded callback's grant from A's answer). */
  bAnswer: Date | null;
  at: Date;
  defaultMaxSeconds: number;
}

export type TimeCallbackBResult =
  | { ok: true; aSeconds: number; bSeconds: number; costA: Money; costB: Money }
  | { ok: false; reason: 'GONE' };

export interface GrantStore {
  /** ONE transaction: lock/write the account, grow the reservation by the next grant, CDR checkpoint. */
  extend(req: ExtendRequest): Promise<ExtendResult>;
  /** ONE transaction: both legs' reservations and open CDRs (shared callback_id), or a refusal CDR. */
  authoriseCallback(req: CallbackAuthoriseRequest): Promise<CallbackAuthoriseResult>;
}

/** What a callback call needs from the store beside settlement (KnexBillingStore). */
export interface CallbackGrantStore extends Pick<GrantStore, 'authoriseCallback'> {
  /**
   * ONE transaction: both legs' grants again from their answers (at A's answer when a leg has
   * time bands; at B's, B's = A's − ring time).
   */
  timeCallbackB(req: TimeCallbackBRequest): Promise<TimeCallbackBResult>;
}

/** Whether a BillingStore also implements GrantStore (the resilient wrapper may not). */
export function grantStoreOf(store: object): GrantStore | null {
  const s = store as Partial<GrantStore>;
  return typeof s.extend === 'function' && typeof s.authoriseCallback === 'function'
    ? (s as GrantStore)
    : null;
}

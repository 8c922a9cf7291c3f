/**
 * The narrow interfaces a call session talks through. The store implements `BillingStore`;
 * the ari layer implements the call-control port (see ../ari). Sessions never see SQL or raw ARI.
 */
import type {
  CallOutcome,
  Disposition,
  EndSource,
  RefusalReason,
} from '../domain/cdr-vocabulary.js';
import type { CapsSnapshot, Money, NumberRule, Rate, RateFx } from '../rating/index.js';
import type { RouteCandidates } from './routing-ports.js';

export type AccountStatus = 'active' | 'blocked';

export interface Account {
  id: number;
  name: string;
  status: AccountStatus;
  balance: Money;
  creditLimit: Money;
  /** Sum of this account's live reservations (kept on the row so every money transaction writes it). */
  reserved: Money;
  currency: string;
  tariff: string;
  /** null = unlimited. */
  maxCalls: number | null;
  /** null = the global default (config `maxCallSeconds`, 3600). */
  maxCallSeconds: number | null;
  hasPin: boolean;
}

// The CDR vocabulary lives in the domain module; re-exported for the session's users.
export {
  CALL_OUTCOMES,
  DISPOSITIONS,
  END_SOURCES,
  REFUSAL_REASONS,
  refusalDisposition,
  type CallOutcome,
  type Disposition,
  type EndSource,
  type RefusalReason,
} from '../domain/cdr-vocabulary.js';

/**
 * What a call session reports to monitoring (the API's Prometheus `Metrics` implements it; the
 * session never sees prom-client). `noSessionMetrics` is the default.
 */
export interface SessionMetrics {
  /** One call attempt finished: settled, released or refused (every CDR counts once). */
  callFinished(outcome: CallOutcome): void;
  /** Seconds one authorise transaction took. */
  observeAuthorise(seconds: number): void;
  /** A settlement could not be written to the database (journaled, or left to housekeeping). */
  settlementFailed(): void;
}

export const noSessionMetrics: SessionMetrics = {
  callFinished() {},
  observeAuthorise() {},
  settlementFailed() {},
};

export interface AuthoriseRequest {
  /** Call-attempt id: the A channel id, or `${aChannelId}.${n}` for later attempts in a card call. */
  uniqueid: string;
  accountId: number;
  src: string;
  /** The E.164 number rated and dialled (after number normalisation). */
  dst: string;
  /** The digits as dialled, when normalisation changed them (CDR `dialled`). */
  dialled?: string;
  rate: Rate;
  node: string;
  /** Global cap when the account has none (seconds). */
  defaultMaxSeconds: number;
  start: Date;
  /**
   * The daemon's default charging mode (see grant-ports.ts); the account's own setting wins.
   * Absent: single mode (one reservation of the whole call).
   */
  charging?: { mode: 'single' | 'grant'; grantSeconds: number };
  /**
   * The account as the caller's set-up read saw it, so a store may authorise without reading
   * first. Only a shortcut: the store checks every value against the locked row and authorises
   * the ordinary way when one differs.
   */
  seen?: Account;
}

/** Why authorise refuses a call (store/tx/authorise.ts, in the order it checks). */
export const AUTHORISE_REFUSALS = [
  'BLOCKED',
  'EXPIRED',
  'BLOCKEDDEST',
  'LIMIT',
  'CAP_RATE',
  'NOFX',
  'NOCREDIT',
  'CAP_DAY',
  'CAP_MONTH',
  'CAP_CALL',
] as const satisfies readonly RefusalReason[];
export type AuthoriseRefusal = (typeof AUTHORISE_REFUSALS)[number];

export type AuthoriseResult =
  /** `grant` is present for a grant-mode call: maxSeconds is then only its first grant. */
  | {
      ok: true;
      maxSeconds: number;
      maxCost: Money;
      available: Money;
      grant?: { grantSeconds: number; final: boolean };
      /** The exchange the call is priced through (its tariff is in another currency). */
      fx?: RateFx;
      /** The money caps' room after this call (resilience/outage-policy.ts grants within it). */
      caps?: CapsSnapshot;
    }
  | {
      ok: false;
      reason: AuthoriseRefusal;
      available: Money;
    };

export interface SettleRequest {
  uniqueid: string;
  disposition: Disposition;
  /** Q.850 cause of the hangup, when known. */
  hangupCause: number | null;
  answer: Date | null;
  end: Date;
  /** Talk seconds as measured from Asterisk's timestamps; the store caps it at what was reserved. */
  billsec: number;
  /** Free text recorded on the CDR when the settlement was not a normal end (e.g. 'reconciled'). */
  note?: string;
  /** How the end was known when the daemon did not see it (CDR end_source); absent: observed. */
  endSource?: EndSource;
  /** What this daemon granted the call (its authorise), so a store may settle without reading first. */
  hints?: SettleHints;
}

/**
 * The grant as the authorising daemon remembers it. Only a shortcut: the store checks every
 * value against the locked rows and settles the ordinary way when one differs.
 */
export interface SettleHints {
  accountId: number;
  /** What the reservation holds. */
  maxCost: Money;
  maxSeconds: number;
  /** The CDR's start. */
  start: Date;
  rate: Pick<
    Rate,
    'ratePerMin' | 'connectFee' | 'initialSecs' | 'incrementSecs' | 'minSecs' | 'banding' | 'fx'
  >;
}

export interface SettleResult {
  /** false when this uniqueid was already settled (nothing changed this time). */
  settled: boolean;
  cost: Money;
  billsec: number;
  balanceAfter: Money;
  /** true when the write waits in a local journal (the database was unreachable). */
  pending?: boolean;
}

export interface RefusalRecord {
  uniqueid: string;
  accountId: number | null;
  src: string;
  dst: string;
  /** The digits as dialled, when normalisation changed them (CDR `dialled`). */
  dialled?: string;
  reason: RefusalReason;
  node: string;
  start: Date;
  /** When the attempt ended, if later than `start` (e.g. an ABANDONED call); default `start`. */
  end?: Date;
  /** Free text for the CDR `note` (e.g. who ended the call). */
  note?: string;
}

/** An account and the rate of one number in its tariff (undefined: no route). */
export interface AccountWithRate {
  account: Account;
  rate: Rate | undefined;
  /** Read in the same round trip when the store can: the account's number rules... */
  rules?: readonly NumberRule[];
  /** ...and the carrier routing of the number as given (see store/setup-read.ts)... */
  routing?: RouteCandidates;
  /** ...and the rate's time bands for the number (null: the tariff has none). */
  banding?: Rate['banding'] | null;
}

/** accountByNameWithRate for a store that does not have it: the two questions in turn. */
export async function composedAccountWithRate(
  store: BillingStore,
  name: string,
  number: string,
  at?: Date,
): Promise<AccountWithRate | undefined> {
  const account = await store.accountByName(name);
  return account && { account, rate: await store.rateFor(account.tariff, number, at) };
}

export interface BillingStore {
  accountByName(name: string): Promise<Account | undefined>;
  accountByAni(number: string): Promise<Account | undefined>;
  accountByPin(pin: string): Promise<Account | undefined>;
  /** Longest-prefix rate of `number` in the version of `tariff` in force at `at` (default now). */
  rateFor(tariff: string, number: string, at?: Date): Promise<Rate | undefined>;
  /**
   * Optional: accountByName plus rateFor(that account's tariff, number) in one database round trip
   * (what a call with an accountcode and a dialled number needs first). Stores without it are
   * asked the two questions in turn.
   */
  accountByNameWithRate?(
    name: string,
    number: string,
    at?: Date,
  ): Promise<AccountWithRate | undefined>;
  /**
   * Optional: the number normalisation rules for what `account` dials (its own set, else its
   * tariff's, else the default set); a store without them rates the digits as dialled.
   */
  numberRules?(account: Pick<Account, 'name' | 'tariff'>): Promise<readonly NumberRule[]>;
  /** Optional: the rules caller IDs are normalised with before identification by ANI. */
  callerIdRules?(): Promise<readonly NumberRule[]>;
  /** ONE transaction: lock/write the account, check credit and call limit, insert reservation + CDR phase 1. */
  authorise(req: AuthoriseRequest): Promise<AuthoriseResult>;
  /**
   * Records the answer time on the open CDR (phase 1½), so that a restart can settle from it;
   * with the node's next answer batch, or at once when `now` (see store/answer-batch.ts).
   */
  markAnswered(uniqueid: string, answer: Date, now?: boolean): Promise<void>;
  /** ONE transaction, idempotent: complete the CDR, debit, ledger row, delete the reservation. */
  settle(req: SettleRequest): Promise<SettleResult>;
  /** A FAILED CDR row for an attempt refused before authorisation (cost 0). Idempotent per uniqueid. */
  recordRefusal(rec: RefusalRecord): Promise<void>;
  /** Live reservations owned by `node` (all nodes when omitted). */
  reservations(node?: string): Promise<Reservation[]>;
}

export interface Reservation {
  uniqueid: string;
  accountId: number;
  account: string;
  maxCost: Money;
  maxSeconds: number;
  node: string;
  created: Date;
  /** Set when the call was answered (CDR phase 1 update), used by reconciliation. */
  answer: Date | null;
}

/** Confirmed talk time of one running call (whole seconds, answer → when Asterisk still had it up). */
export interface Checkpoint {
  uniqueid: string;
  seconds: number;
}

/** An open CDR as restart reconciliation sees it. */
export interface OpenCdr {
  uniqueid: string;
  start: Date;
  answer: Date | null;
  maxSeconds: number | null;
  /** Last checkpoint written, or null when none was. */
  checkpointSecs: number | null;
  checkpointAt: Date | null;
  /** Shared by the two legs of a callback call (A's CDR has the lower id). */
  callbackId: string | null;
  dst: string;
  /**
   * A routed callback leg: the channel of its answered trunk attempt (a further trunk dials a
   * channel of its own); null or absent: the leg's channel is its uniqueid.
   */
  channel?: string | null;
}

/** What checkpoints and reconciliation need from the database, beside the BillingStore. */
export interface CheckpointStore {
  /** Writes the checkpoints (upwards only, open CDRs only); resolves with the rows changed. */
  saveCheckpoints(list: readonly Checkpoint[], at: Date): Promise<number>;
  /** The open CDRs of `node`. */
  openCdrs(node: string): Promise<OpenCdr[]>;
  /**
   * When Asterisk's own CDR says the channel (one of `channelIds`) stopped talking: the earliest `end` of
   * its rows that were answered and ended at or after `answer` (the row of this attempt, not of
   * an earlier one of a card call). null when Asterisk wrote none (or the table is not fed).
   */
  asteriskEnd(channelIds: readonly string[], answer: Date): Promise<Date | null>;
}

/**
 * What the API needs from the running daemon, as small interfaces the daemon implements (so that
 * the API never imports the session or ari layers, and tests can fake them), and the store
 * operations it calls (it never runs SQL itself).
 */
import type { KnexBillingStore } from '../store/knex-store.js';

/** The store as the API uses it: its repository methods, never its database handle. */
export type ApiStore = Pick<
  KnexBillingStore,
  | 'listAccounts'
  | 'addAccount'
  | 'accountDetails'
  | 'ledger'
  | 'topup'
  | 'setAccountStatus'
  | 'resetPin'
  | 'setLimits'
  | 'changeCallerIds'
  | 'caps'
  | 'setCaps'
  | 'setDestRules'
  | 'listDestRules'
  | 'listEvents'
  | 'resendEvent'
  | 'topupByReference'
  | 'generateCards'
  | 'generateVouchers'
  | 'listBatches'
  | 'batch'
  | 'disableBatch'
  | 'redeemVoucher'
  | 'listRates'
  | 'upsertRates'
  | 'listFxRates'
  | 'listTariffCurrencies'
  | 'listBands'
  | 'tariffExists'
  | 'listTrunks'
  | 'addTrunk'
  | 'setTrunkEnabled'
  | 'trunkReport'
  | 'reservations'
  | 'reservation'
  | 'reservedTotals'
  | 'cdrsInRange'
  | 'reachable'
  | 'dialect'
>;

/** Live facts for GET /health. */
export interface StatusProvider {
  /** True while the ARI WebSocket to Asterisk is connected. */
  ariConnected(): boolean;
  /** Settlements waiting in the local journal for the database. */
  journalBacklog(): number | Promise<number>;
  /** When the oldest settlement still waiting was journalled (null: none; absent: no journal). */
  journalOldest?(): Date | null;
}

/** What the daemon knows about a call in progress beyond its reservation row. */
export interface LiveCallInfo {
  /** The call's id: the reservation uniqueid once authorised, else the A channel id. */
  id: string;
  /** Session state, e.g. 'identifying', 'dialling', 'talking'. */
  state: string;
  account: string | null;
  /** Dialled number, when known. */
  destination: string | null;
  callerNumber: string | null;
  /** When talk time started (the B leg answered). */
  answeredAt: Date | null;
  /** Seconds of talk time granted so far. */
  grantedSeconds: number | null;
}

export interface LiveCallsProvider {
  /** This daemon's calls in progress, including those not (yet) authorised. */
  liveCalls(): readonly LiveCallInfo[];
}

/**
 * Ends one call through the daemon's one kill path (the same function the limit timer and
 * reconciliation use). Resolves true when the call was found on this daemon and is being ended,
 * false when this daemon has no such call.
 */
export type HangupFn = (callId: string, reason: 'api') => Promise<boolean>;

/**
 * The words a call record is written in: Asterisk's dispositions and astbill's refusal reasons.
 * Store (writes them), session (decides them), journal, API and metrics (read them) all import
 * this one list, so a reason added here is known everywhere at once. Pure: no I/O.
 */

/** Asterisk's dispositions plus the refusal outcome. */
export const DISPOSITIONS = [
  'ANSWERED',
  'NO ANSWER',
  'BUSY',
  'FAILED',
  'CONGESTION',
  'CANCEL',
] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/**
 * Why a call attempt was refused before it was dialled (CDR `reason`). All are written with
 * disposition FAILED except ABANDONED (the caller hung up during PIN or destination entry,
 * before anything was dialled), which is written as CANCEL: the caller's choice, not a failure.
 * LOCKED: the caller ID is in its PIN lockout window. SHUTDOWN: the daemon was stopping.
 * OVERLOAD: too many calls were being set up at once (ASTBILL_MAX_SETUPS).
 * LOSS: every trunk that carries the destination would cost more than the call sells for
 * (minus ASTBILL_MIN_MARGIN). ERROR: the call failed closed for a reason not the database's
 * (e.g. Asterisk did not answer a request in time) before anything was dialled.
 * CAP_DAY / CAP_MONTH / CAP_CALL / CAP_RATE: a spend cap of the account (store/caps.ts) left no
 * room. BLOCKEDDEST: the destination is denied for the account or its tariff. EXPIRED: a batch
 * card past its expiry (store/batches/cards.ts). VOUCHER: not a call but a voucher redemption
 * at the voucher access number (cost 0; the note says what happened), written as CANCEL.
 * NOFX: the tariff is in another currency than the account and no exchange rate of the pair is
 * in force (store/fx.ts).
 */
export type RefusalReason =
  | 'NOCREDIT'
  | 'NOROUTE'
  | 'BLOCKED'
  | 'BADPIN'
  | 'LIMIT'
  | 'NOACCOUNT'
  | 'BADNUMBER'
  | 'DBERROR'
  | 'ABANDONED'
  | 'LOCKED'
  | 'SHUTDOWN'
  | 'OVERLOAD'
  | 'LOSS'
  | 'ERROR'
  | CapRefusal
  | 'BLOCKEDDEST'
  | 'EXPIRED'
  | 'VOUCHER'
  | 'NOFX';

/** The spend-cap refusals (per UTC day, per UTC month, per call, calls per minute). */
export type CapRefusal = 'CAP_DAY' | 'CAP_MONTH' | 'CAP_CALL' | 'CAP_RATE';

/** Keyed by the union so that the compiler flags a reason added above but not here. */
const REASON_SET: Record<RefusalReason, true> = {
  NOCREDIT: true,
  NOROUTE: true,
  BLOCKED: true,
  BADPIN: true,
  LIMIT: true,
  NOACCOUNT: true,
  BADNUMBER: true,
  DBERROR: true,
  ABANDONED: true,
  LOCKED: true,
  SHUTDOWN: true,
  OVERLOAD: true,
  LOSS: true,
  ERROR: true,
  CAP_DAY: true,
  CAP_MONTH: true,
  CAP_CALL: true,
  CAP_RATE: true,
  BLOCKEDDEST: true,
  EXPIRED: true,
  VOUCHER: true,
  NOFX: true,
};
/** Every refusal reason (e.g. for validating journal records). */
export const REFUSAL_REASONS = Object.keys(REASON_SET) as readonly RefusalReason[];

/** The CDR disposition of a refusal: CANCEL for ABANDONED and VOUCHER, FAILED for every other reason. */
export function refusalDisposition(
  reason: RefusalReason,
): Extract<Disposition, 'FAILED' | 'CANCEL'> {
  return reason === 'ABANDONED' || reason === 'VOUCHER' ? 'CANCEL' : 'FAILED';
}

/** What a call attempt ended as: a CDR disposition, or the reason it was refused before dialling. */
export type CallOutcome = Disposition | RefusalReason;
/** Every call outcome: the dispositions, then the refusal reasons. */
export const CALL_OUTCOMES: readonly CallOutcome[] = [...DISPOSITIONS, ...REFUSAL_REASONS];

/**
 * How the end of a call the daemon did not see end was determined (session/unseen-end.ts):
 * Asterisk's own CDR (exact), else the last moment the call was confirmed up (the default
 * policy) or the first moment it was confirmed gone.
 */
export type EndSource = 'asterisk-cdr' | 'last-up' | 'first-gone';
export const END_SOURCES: readonly EndSource[] = ['asterisk-cdr', 'last-up', 'first-gone'];

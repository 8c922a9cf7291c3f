/**
 * The port every secret-guessing path (calling-card PINs; voucher codes) goes through. A PIN
 * alone identifies an account, so guesses spread over every card at once: the limit that
 * matters counts wrong guesses from ALL callers, not per caller ID (which the caller controls).
 *
 *   check(callerId)               before a guess is taken: open, slow (wait first) or refused
 *   recordFailure(kind, callerId) after a wrong guess: counts it; answers the verdict that now holds
 *
 * session/guess-limiter.ts is the implementation (database-backed, shared by every daemon);
 * noGuessGuard lets everything through (tests, tools).
 */

/** What was guessed wrong. Voucher codes count toward the same limits as PINs. */
export type GuessKind = 'pin' | 'voucher';

export type GuessVerdict =
  | { access: 'open' }
  /** Guessing is going on cluster-wide: take the guess, but only after waiting this long. */
  | { access: 'slow'; waitSeconds: number }
  /** 'attack': too many wrong guesses from all callers; 'caller': this caller ID is locked out. */
  | { access: 'refused'; why: 'attack' | 'caller' };

export interface GuessGuard {
  check(callerId: string): Promise<GuessVerdict>;
  recordFailure(kind: GuessKind, callerId: string): Promise<GuessVerdict>;
}

const OPEN: GuessVerdict = { access: 'open' };

export const noGuessGuard: GuessGuard = {
  check: () => Promise.resolve(OPEN),
  recordFailure: () => Promise.resolve(OPEN),
};

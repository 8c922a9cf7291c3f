/**
 * Every sound astbill plays, in one place: only names of the core English set a stock Asterisk
 * has (test/session/prompts-core.test.ts checks them against the simulator's table). A missing
 * file is not fatal, but the caller hears nothing: Asterisk reports the playback as failed.
 */
import { CURRENCY, MINOR_PER_UNIT, type Money } from '../rating/index.js';
import type { AuthoriseRefusal } from './ports.js';

export const PROMPTS = {
  enterPin: ['sound:agent-pass'],
  pinIncorrect: ['sound:auth-incorrect'],
  goodbye: ['sound:vm-goodbye'],
  enterDestination: ['sound:vm-enter-num-to-call'],
  noService: ['sound:ss-noservice'],
  noCredit: ['sound:vm-nomore'],
  tooManyCalls: ['sound:all-circuits-busy-now'],
  /** A day / month / per-call spend cap leaves no room ("I'm sorry", "no more"). */
  spendCap: ['sound:im-sorry', 'sound:vm-nomore'],
  /** The calls-per-minute cap ("simultaneous call limit reached"). */
  callRate: ['sound:simul-call-limit-reached'],
  /** A batch card past its expiry ("I'm sorry", "de-activated"). */
  cardExpired: ['sound:im-sorry', 'sound:de-activated'],
  /** The destination is denied for this account or tariff. */
  blockedDestination: ['sound:cannot-complete-as-dialed'],
  /** "I'm sorry", "please try your call again later". */
  error: ['sound:im-sorry', 'sound:please-try-call-later'],
  /** Played in the card flow when a destination did not answer, before asking for another. */
  tryAgain: ['sound:vm-nobodyavail'],
  /** The far end was busy (a tone plays until stopped: the caller hears it for a few seconds). */
  busyTone: ['tone:busy'],
  /** The far end rang out ("the number you have dialed is not answering"). */
  notAnswering: ['sound:number-not-answering'],
  /** The far end's network was congested. */
  allCircuitsBusy: ['sound:all-circuits-busy-now'],
  /** The far end could not be reached at all (no channel, originate failed). */
  congestionTone: ['tone:congestion'],
  /** The caller ID is locked out after too many wrong PINs ("…too many invalid personal identification numbers"). */
  pinLocked: ['sound:confbridge-pin-bad', 'sound:vm-goodbye'],
  /** The voucher access number asks for the code ("please enter your password followed by pound"). */
  enterVoucher: ['sound:agent-pass'],
  /** A code that is no voucher. */
  voucherWrong: ['sound:invalid'],
  /** A voucher used already, disabled or expired ("I'm sorry", "is in use"). */
  voucherUsed: ['sound:im-sorry', 'sound:is-in-use'],
} as const;

/**
 * The English core sounds name one currency word: `digits/dollars`. Accounts in a dollar currency hear
 * it; any other currency is spelled out by its ISO code with the core `letters/` files
 * ("E U R"), so that the announcement never names the wrong money and never plays a missing file.
 * An operator with recorded prompts (e.g. `euros`, `pounds`) adds them here.
 */
const CURRENCY_SOUNDS: Readonly<Record<string, readonly string[]>> = {
  USD: ['sound:digits/dollars'],
  CAD: ['sound:digits/dollars'],
  AUD: ['sound:digits/dollars'],
  NZD: ['sound:digits/dollars'],
  SGD: ['sound:digits/dollars'],
  HKD: ['sound:digits/dollars'],
};

/** The words for the account's currency (ISO 4217 code, any case). */
export function currencyWords(currency: string): readonly string[] {
  const code = currency.trim().toUpperCase();
  const known = CURRENCY_SOUNDS[code];
  if (known) return known;
  return CURRENCY.test(code) ? [`characters:${code}`] : [];
}

/** "You have <units> <currency> and <minutes> minutes": the balance and how long this call may last. */
export function balanceAnnouncement(
  available: Money,
  maxSeconds: number,
  currency = 'USD',
): string[] {
  const units = available > 0n ? available / MINOR_PER_UNIT : 0n;
  const minutes = Math.floor(maxSeconds / 60);
  return [
    'sound:vm-youhave',
    `number:${units.toString()}`,
    ...currencyWords(currency),
    'sound:vm-and',
    `number:${minutes}`,
    'sound:minutes',
  ];
}

/** A voucher credited: "thank you", "you have <units> <currency>". */
export function voucherAccepted(balance: Money, currency: string): string[] {
  const units = balance > 0n ? balance / MINOR_PER_UNIT : 0n;
  return ['sound:auth-thankyou', 'sound:vm-youhave', `number:${units}`, ...currencyWords(currency)];
}

/** What the caller hears when authorise refuses the call, by reason. */
export function refusalMedia(reason: AuthoriseRefusal): readonly string[] {
  switch (reason) {
    case 'NOCREDIT':
      return PROMPTS.noCredit;
    case 'LIMIT':
      return PROMPTS.tooManyCalls;
    case 'CAP_DAY':
    case 'CAP_MONTH':
    case 'CAP_CALL':
      return PROMPTS.spendCap;
    case 'CAP_RATE':
      return PROMPTS.callRate;
    case 'BLOCKEDDEST':
      return PROMPTS.blockedDestination;
    case 'EXPIRED':
      return PROMPTS.cardExpired;
    default:
      // BLOCKED, and a refusal the resilient store gives when the database is out (DBERROR).
      return PROMPTS.noService;
  }
}

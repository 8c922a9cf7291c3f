/**
 * Who pays for a call: the channel's accountcode, else the device name of its endpoint
 * (PJSIP/alice-0001 → alice), else the caller ID in `astani`, else the calling-card flow
 * (PIN keyed with DTMF, `#`-terminated, a limited number of tries).
 */
import type { CallOffered } from './call-events.js';
import type { Collected } from './collect-digits.js';
import type { NumberRule, Rate } from '../rating/index.js';
import type { RouteCandidates } from './routing-ports.js';
import type { Account, BillingStore } from './ports.js';
import { noGuessGuard, type GuessVerdict } from './guess-guard.js';
import { normalisedCallerId } from './numbers.js';
import { PROMPTS } from './prompts.js';

export type IdentifiedVia = 'accountcode' | 'endpoint' | 'ani' | 'pin';

export interface Identified {
  account: Account;
  via: IdentifiedVia;
  /**
   * The rate of the number identification was asked to rate, found with the account in one round
   * trip, with the account's number rules and the number's routing when the store read them too.
   */
  rated?: {
    number: string;
    rate: Rate | undefined;
    rules?: readonly NumberRule[];
    routing?: RouteCandidates;
    /** The rate's time bands (null: none), when the store read them too. */
    banding?: Rate['banding'] | null;
  };
}

/** The voice menu the card flow needs; the session provides it. */
export interface Ivr {
  /** Plays media to the end (or until the caller hangs up). */
  say(media: readonly string[]): Promise<void>;
  /** Plays a prompt and collects digits with type-ahead. */
  ask(prompt: readonly string[], maxDigits: number): Promise<Collected>;
  readonly aborted: boolean;
}

/**
 * Identification from what the channel carries; null when the caller must use a PIN. With
 * `rateNumber` (the dialled number, when the call names one), a store that can looks the rate up
 * together with an account found by name.
 */
export async function identifyFromChannel(
  store: BillingStore,
  call: CallOffered,
  rateNumber?: string,
): Promise<Identified | null> {
  // Rated by the deck version in force when the call came in.
  const byName = async (name: string, via: IdentifiedVia): Promise<Identified | null> => {
    if (rateNumber === undefined || !store.accountByNameWithRate) {
      const account = await store.accountByName(name);
      return account ? { account, via } : null;
    }
    const found = await store.accountByNameWithRate(name, rateNumber, call.at);
    return found
      ? {
          account: found.account,
          via,
          rated: {
            number: rateNumber,
            rate: found.rate,
            ...(found.rules ? { rules: found.rules } : {}),
            ...(found.routing ? { routing: found.routing } : {}),
            ...(found.banding !== undefined ? { banding: found.banding } : {}),
          },
        }
      : null;
  };
  const code = call.accountcode.trim();
  if (code) {
    const found = await byName(code, 'accountcode');
    if (found) return found;
  }
  if (call.endpointResource && call.endpointResource !== code) {
    const found = await byName(call.endpointResource, 'endpoint');
    if (found) return found;
  }
  const ani = call.callerNumber.trim();
  if (ani) {
    const account = await store.accountByAni(ani);
    if (account) return { account, via: 'ani' };
    // ANIs are kept in E.164: a caller ID in national or 00 form is looked up once more, normalised.
    const e164 = await normalisedCallerId(store, ani);
    const again = e164 === undefined ? undefined : await store.accountByAni(e164);
    if (again) return { account: again, via: 'ani' };
  }
  return null;
}

export const MAX_PIN_DIGITS = 20;

export type PinOutcome =
  { ok: true; identified: Identified } | { ok: false; why: 'bad-pin' | 'abandoned' | 'locked' };

/** The guessing limits as one caller's card flow sees them (see guess-guard.ts). */
export interface PinGate {
  /** Asked before each PIN is looked up. */
  check(): Promise<GuessVerdict>;
  /** Told of every wrong (non-empty) PIN. */
  failed(): Promise<GuessVerdict>;
}

const OPEN_GATE: PinGate = {
  check: () => noGuessGuard.check(''),
  failed: () => noGuessGuard.check(''),
};

/** `seconds` of silence from the core silence/1..10 files (the caller waits, the line stays up). */
export function silence(seconds: number): string[] {
  const out: string[] = Array.from({ length: Math.floor(seconds / 10) }, () => SILENCE[10]!);
  if (seconds % 10 > 0) out.push(SILENCE[seconds % 10]!);
  return out;
}

/** The stock files by length in seconds (index 0 unused), named whole so each is checkable. */
const SILENCE = [
  '',
  'sound:silence/1',
  'sound:silence/2',
  'sound:silence/3',
  'sound:silence/4',
  'sound:silence/5',
  'sound:silence/6',
  'sound:silence/7',
  'sound:silence/8',
  'sound:silence/9',
  'sound:silence/10',
] as const;

/**
 * The calling-card flow: up to `tries` PIN entries, `auth-incorrect` between them, `vm-goodbye`
 * after the last. Each PIN goes through `gate` first: while guessing goes on it is looked up only
 * after a wait; when the gate refuses (before a lookup, or after a wrong PIN: a caller ID now
 * locked out, or card access refused cluster-wide) the lockout announcement plays and the
 * outcome is 'locked'.
 */
export async function identifyByPin(
  findByPin: (pin: string) => Promise<Account | undefined>,
  ivr: Ivr,
  tries: number,
  gate: PinGate = OPEN_GATE,
): Promise<PinOutcome> {
  const refused = async (v: GuessVerdict): Promise<PinOutcome | null> => {
    if (v.access !== 'refused') return null;
    await ivr.say(PROMPTS.pinLocked);
    return { ok: false, why: 'locked' };
  };
  for (let attempt = 1; attempt <= tries; attempt++) {
    const entry = await ivr.ask(PROMPTS.enterPin, MAX_PIN_DIGITS);
    if (ivr.aborted || entry.end === 'aborted') return { ok: false, why: 'abandoned' };
    if (entry.digits.length > 0) {
      const before = await gate.check();
      const stop = await refused(before);
      if (stop) return stop;
      if (before.access === 'slow') await ivr.say(silence(before.waitSeconds));
      if (ivr.aborted) return { ok: false, why: 'abandoned' };
      const account = await findByPin(entry.digits);
      if (ivr.aborted) return { ok: false, why: 'abandoned' };
      if (account) return { ok: true, identified: { account, via: 'pin' } };
      const locked = await refused(await gate.failed());
      if (locked) return locked;
    }
    if (attempt < tries) await ivr.say(PROMPTS.pinIncorrect);
    if (ivr.aborted) return { ok: false, why: 'abandoned' };
  }
  await ivr.say(PROMPTS.goodbye);
  return { ok: false, why: 'bad-pin' };
}

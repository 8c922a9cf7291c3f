/**
 * Calling-card PINs are stored as HMAC-SHA256(secret, pin) in hex, in a UNIQUE column: a lookup
 * by PIN is one index probe, and a copy of the database alone does not reveal the PINs (short
 * PINs are trivially brute-forced from a plain hash, not from a keyed one without the key).
 * The key is ASTBILL_PIN_SECRET; changing it invalidates every stored PIN.
 */
import { createHmac } from 'node:crypto';

/** Used when ASTBILL_PIN_SECRET is unset. Fine for trying astbill out; set your own in production. */
export const DEFAULT_PIN_SECRET = 'astbill-default-pin-secret';

export type PinHasher = (pin: string) => string;

/** `secret` is the configured ASTBILL_PIN_SECRET (config.pinSecret), else the built-in key. */
export function pinHasher(secret: string = DEFAULT_PIN_SECRET): PinHasher {
  return (pin: string) => createHmac('sha256', secret).update(pin, 'utf8').digest('hex');
}

/** The fewest digits of a new PIN unless configured (ASTBILL_PIN_MIN_LENGTH). */
export const DEFAULT_PIN_MIN_LENGTH = 6;

/** Why `pin` may not be set as a new PIN, or undefined. Short PINs are guessed too easily. */
export function pinProblem(pin: string, minLength = DEFAULT_PIN_MIN_LENGTH): string | undefined {
  return /^\d+$/.test(pin) && pin.length >= minLength && pin.length <= 20
    ? undefined
    : `a PIN must be ${minLength} to 20 digits`;
}

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

export function pinProblem(pin: string): string | undefined {
  return /^\d{4,20}$/.test(pin) ? undefined : 'a PIN must be 4 to 20 digits';
}

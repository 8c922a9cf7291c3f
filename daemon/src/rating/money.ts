/**
 * Money is an integer count of minor units (bigint), never a float.
 * One currency unit = 100 000 minor units, so per-minute rates such as 0.00125 stay exact.
 */
export type Money = bigint;

export const MINOR_DIGITS = 5;
export const MINOR_PER_UNIT: Money = 100_000n;

const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;

/** Parses "12.5", "-0.00001", "3" into minor units; rejects anything finer than one minor unit. */
export function parseMoney(text: string): Money {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new RangeError(`not a decimal amount: '${text}'`);
  const [, sign, whole = '0', frac = ''] = m;
  if (frac.length > MINOR_DIGITS && /[1-9]/.test(frac.slice(MINOR_DIGITS))) {
    throw new RangeError(`amount '${text}' has more than ${MINOR_DIGITS} decimal places`);
  }
  const minor = BigInt(whole) * MINOR_PER_UNIT + BigInt((frac + '00000').slice(0, MINOR_DIGITS));
  return sign === '-' ? -minor : minor;
}

/** Formats minor units as a decimal string with `digits` places (default all five), exact. */
export function formatMoney(amount: Money, digits: number = MINOR_DIGITS): string {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const whole = abs / MINOR_PER_UNIT;
  let frac = (abs % MINOR_PER_UNIT).toString().padStart(MINOR_DIGITS, '0');
  if (digits < MINOR_DIGITS) {
    // Only used for display; exact truncation would hide money, so refuse to drop non-zero digits.
    const dropped = frac.slice(digits);
    frac = /[1-9]/.test(dropped) ? frac.replace(/0+$/, '') : frac.slice(0, digits);
  }
  const text = frac.length > 0 ? `${whole}.${frac}` : `${whole}`;
  return negative ? `-${text}` : text;
}

/** Converts a value read from a database integer column (number, bigint or string) to Money exactly. */
export function moneyFromDb(value: unknown): Money {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw new RangeError(`unsafe integer money value from database: ${value}`);
    return BigInt(value);
  }
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  if (value === null || value === undefined) return 0n;
  throw new RangeError(`unexpected money value from database: ${String(value)}`);
}

export function minMoney(a: Money, b: Money): Money {
  return a < b ? a : b;
}

export function maxMoney(a: Money, b: Money): Money {
  return a > b ? a : b;
}

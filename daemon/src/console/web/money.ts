/**
 * Sums of the API's decimal money strings, exactly: digits are carried as BigInt minor units
 * (5 decimals), never as a floating-point number.
 */
const SCALE = 5;

export function toMinor(s: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,5}))?$/.exec(s);
  if (!m) throw new Error(`not a decimal amount: ${s}`);
  const minor = BigInt(m[2]! + (m[3] ?? '').padEnd(SCALE, '0'));
  return m[1] ? -minor : minor;
}

/** Formats minor units with 2..5 decimals (trailing zeros past the second dropped). */
export function fromMinor(v: bigint): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(SCALE + 1, '0');
  let frac = digits.slice(-SCALE).replace(/0+$/, '');
  if (frac.length < 2) frac = frac.padEnd(2, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -SCALE)}.${frac}`;
}

export const sumMoney = (values: string[]): string =>
  fromMinor(values.reduce((acc, s) => acc + toMinor(s), 0n));

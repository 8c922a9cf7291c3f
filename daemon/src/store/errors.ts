/**
 * The store's one error class. `code` says what kind of problem it is so that each front door
 * maps it once: the CLI to exit 2 (bad input) or 1 (database), the HTTP API to 4xx/5xx.
 */
export type StoreErrorCode =
  /** A unique name, PIN, ANI, CDR or ledger reference already exists. */
  | 'DUPLICATE'
  /** The account, CDR or rate asked for does not exist. */
  | 'NOT_FOUND'
  /** An account names a tariff that has no rate. */
  | 'UNKNOWN_TARIFF'
  /** A value the store refuses (negative amount, bad prefix, ...). */
  | 'INVALID'
  /** A transaction would break a rule (e.g. authorising a uniqueid that was already settled). */
  | 'CONFLICT'
  /** The database cannot be reached or opened. */
  | 'DB_UNAVAILABLE'
  /** The schema is older than this code: run `astbill migrate`. */
  | 'SCHEMA_OUTDATED';

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for the errors an operator can fix by changing the input (as opposed to the database). */
export function isInputError(err: unknown): err is StoreError {
  return (
    err instanceof StoreError &&
    ['DUPLICATE', 'NOT_FOUND', 'UNKNOWN_TARIFF', 'INVALID', 'CONFLICT'].includes(err.code)
  );
}

/** The driver's error code (mysql2 `code`, better-sqlite3 `code`), if any. */
export function driverCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** mysql2's numeric error number, if any. */
export function driverErrno(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'errno' in err) {
    const n = (err as { errno: unknown }).errno;
    return typeof n === 'number' ? n : undefined;
  }
  return undefined;
}

/** A unique-key violation on either database. */
export function isUniqueViolation(err: unknown): boolean {
  const code = driverCode(err);
  return (
    code === 'ER_DUP_ENTRY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

/**
 * The largest amount (minor units) the store accepts anywhere: 2^53 − 1, about 90 billion
 * currency units. better-sqlite3 reads INTEGER columns as JS numbers, exact only up to here, so
 * the store refuses larger amounts instead of ever reading a rounded one.
 */
export const MAX_AMOUNT = BigInt(Number.MAX_SAFE_INTEGER);

export function amountProblem(what: string, amount: bigint): string | undefined {
  return amount > MAX_AMOUNT || amount < -MAX_AMOUNT
    ? `${what} is too large (at most 90071992547.40991)`
    : undefined;
}

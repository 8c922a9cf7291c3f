/**
 * The API's one error class, and the one mapper from the store's errors to HTTP statuses.
 * Every error response is JSON `{"error": "<one readable sentence>"}`.
 */
import { StoreError, type StoreErrorCode } from '../store/errors.js';

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string): HttpError => new HttpError(400, message);
export const notFound = (message: string): HttpError => new HttpError(404, message);

const STORE_STATUS: Record<StoreErrorCode, number> = {
  DUPLICATE: 409,
  NOT_FOUND: 404,
  UNKNOWN_TARIFF: 400,
  INVALID: 400,
  CONFLICT: 409,
  DB_UNAVAILABLE: 503,
  SCHEMA_OUTDATED: 503,
};

/** Maps any thrown value to a status and a message that is safe to show (no SQL, no secrets). */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof StoreError) return new HttpError(STORE_STATUS[err.code], err.message);
  return new HttpError(500, 'internal error (see the daemon log)');
}

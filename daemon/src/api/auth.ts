/**
 * Bearer-token authentication. The presented token and the configured one are both hashed
 * (SHA-256) before a constant-time comparison, so neither their contents nor their lengths leak
 * through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Tokens shorter than this are refused at start-up: they are guessable. */
export const MIN_TOKEN_LENGTH = 16;

export function tokenProblem(token: string | null | undefined): string | undefined {
  if (token === null || token === undefined || token === '')
    return 'ASTBILL_API_TOKEN is not set: the API refuses to start without a token';
  if (token.length < MIN_TOKEN_LENGTH)
    return `ASTBILL_API_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters`;
  if (/\s/.test(token)) return 'ASTBILL_API_TOKEN must not contain spaces';
  if (/^CHANGE-ME/i.test(token))
    return 'ASTBILL_API_TOKEN is still the .env.example placeholder: set a random secret';
  return undefined;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Returns a checker for `Authorization` header values. */
export function bearerChecker(token: string): (header: string | undefined) => boolean {
  const expected = digest(token);
  return (header) => {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
    // Compare even when the header is missing or malformed, so every failure takes the same path.
    const presented = digest(m?.[1] ?? '');
    return timingSafeEqual(presented, expected) && m !== null;
  };
}

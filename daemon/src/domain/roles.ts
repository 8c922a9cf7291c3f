/**
 * Operator roles, weakest first. A route names the weakest role that may call it; a caller's
 * role allows every route at or below its rank.
 *   read-only  every GET
 *   support    + top up, block/unblock, reset a PIN, change caller IDs
 *   admin      everything (create accounts, limits, import rates, hang up calls, ...)
 */
export const ROLES = ['read-only', 'support', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

export function allows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** The weaker of two roles (a token never exceeds its operator's role). */
export function weaker(a: Role, b: Role): Role {
  return ROLES.indexOf(a) <= ROLES.indexOf(b) ? a : b;
}

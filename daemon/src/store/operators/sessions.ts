/**
 * Console logins: astsession rows keyed by the SHA-256 of the cookie value (a database leak
 * gives no usable cookie), each with its CSRF token; and astloginfail rows that throttle
 * password guessing per operator name and per client address, across every daemon.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { requiredTime, toDbTime } from '../time.js';
import { operatorById, type Operator } from './users.js';

export const SESSION_HOURS = 12;
export const THROTTLE = { windowMs: 15 * 60_000, perName: 5, perClient: 20 } as const;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export interface Session {
  operator: Operator;
  csrf: string;
  expires: Date;
}

export async function createSession(
  knex: Knex,
  operatorId: number,
  now = new Date(),
): Promise<{ cookie: string; csrf: string; expires: Date }> {
  const cookie = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const expires = new Date(now.getTime() + SESSION_HOURS * 3600_000);
  await knex('astsession').where('expires', '<', toDbTime(now)).delete();
  await knex('astsession').insert({
    id_hash: digest(cookie),
    operator_id: operatorId,
    csrf,
    created: toDbTime(now),
    expires: toDbTime(expires),
  });
  return { cookie, csrf, expires };
}

export async function sessionByCookie(
  knex: Knex,
  cookie: string,
  now = new Date(),
): Promise<Session | undefined> {
  const s = (await knex('astsession')
    .where({ id_hash: digest(cookie) })
    .andWhere('expires', '>', toDbTime(now))
    .first()) as Record<string, unknown> | undefined;
  if (!s) return undefined;
  const op = await operatorById(knex, Number(s.operator_id));
  if (!op || op.disabled) return undefined;
  const { passwordHash: _, ...operator } = op;
  return { operator, csrf: String(s.csrf), expires: requiredTime(s.expires) };
}

export async function deleteSession(knex: Knex, cookie: string): Promise<void> {
  await knex('astsession')
    .where({ id_hash: digest(cookie) })
    .delete();
}

/** True when `name` or `client` has too many recent failures: the login is refused unchecked. */
export async function loginThrottled(
  knex: Knex,
  name: string,
  client: string,
  now = new Date(),
): Promise<boolean> {
  const since = toDbTime(new Date(now.getTime() - THROTTLE.windowMs));
  const count = async (col: 'name' | 'client', value: string) => {
    const [row] = await knex('astloginfail')
      .where(col, value)
      .andWhere('at', '>', since)
      .count<Array<{ n: number | string }>>({ n: '*' });
    return Number(row?.n ?? 0);
  };
  return (
    (await count('name', name.slice(0, 64))) >= THROTTLE.perName ||
    (await count('client', client.slice(0, 64))) >= THROTTLE.perClient
  );
}

export async function recordLoginFailure(
  knex: Knex,
  name: string,
  client: string,
  now = new Date(),
): Promise<void> {
  await knex('astloginfail')
    .where('at', '<', toDbTime(new Date(now.getTime() - 2 * THROTTLE.windowMs)))
    .delete();
  await knex('astloginfail').insert({
    name: name.slice(0, 64),
    client: client.slice(0, 64),
    at: toDbTime(now),
  });
}

/** A good password clears the name's failures (the client's stay: they may be guessing others). */
export async function clearLoginFailures(knex: Knex, name: string): Promise<void> {
  await knex('astloginfail')
    .where({ name: name.slice(0, 64) })
    .delete();
}

/**
 * The operators' side of the store: accounts of people (not of callers), logins, tokens and the
 * audit trail. The API and the CLI reach it through this class only.
 */
import type { Db } from '../db.js';
import type { Role } from '../../domain/roles.js';
import { listAudit, type Actor, type AuditEntry, type AuditFilter } from './audit.js';
import { DUMMY_HASH, verifyPassword } from './password.js';
import {
  clearLoginFailures,
  createSession,
  deleteSession,
  loginThrottled,
  recordLoginFailure,
  sessionByCookie,
  type Session,
} from './sessions.js';
import {
  addOperator,
  addToken,
  listOperators,
  operatorByName,
  setOperatorDisabled,
  tokenPrincipal,
  type Operator,
} from './users.js';

export type { Actor, AuditEntry, AuditFilter, AuditState } from './audit.js';
export type { Operator } from './users.js';
export type { Session } from './sessions.js';
export { recordAudit } from './audit.js';

export type LoginResult =
  | { ok: true; operator: Operator; cookie: string; csrf: string; expires: Date }
  | { ok: false; throttled: boolean };

export class OperatorStore {
  constructor(private readonly db: Db) {}

  /** With `actor`, each change is audited in its own transaction (never a password or token). */
  add(input: { name: string; role: Role; password: string }, actor?: Actor): Promise<Operator> {
    return addOperator(this.db, input, new Date(), actor);
  }

  list(): Promise<Operator[]> {
    return listOperators(this.db.knex);
  }

  setDisabled(name: string, disabled: boolean, actor?: Actor): Promise<Operator> {
    return setOperatorDisabled(this.db, name, disabled, actor);
  }

  addToken(input: { name: string; role?: Role | undefined; label: string }, actor?: Actor) {
    return addToken(this.db, input, new Date(), actor);
  }

  tokenPrincipal(token: string) {
    return tokenPrincipal(this.db.knex, token);
  }

  /**
   * Checks a password, unless the name or the client has failed too often lately (then it is
   * not even checked, so a guesser learns nothing). Unknown names cost the same scrypt work.
   */
  async login(name: string, password: string, client: string): Promise<LoginResult> {
    const knex = this.db.knex;
    if (await loginThrottled(knex, name, client)) return { ok: false, throttled: true };
    const op = await operatorByName(knex, name);
    const good = await verifyPassword(password, op?.passwordHash ?? DUMMY_HASH);
    if (!op || !good || op.disabled) {
      await recordLoginFailure(knex, name, client);
      return { ok: false, throttled: false };
    }
    await clearLoginFailures(knex, name);
    const s = await createSession(knex, op.id);
    const { passwordHash: _, ...operator } = op;
    return { ok: true, operator, ...s };
  }

  session(cookie: string): Promise<Session | undefined> {
    return sessionByCookie(this.db.knex, cookie);
  }

  logout(cookie: string): Promise<void> {
    return deleteSession(this.db.knex, cookie);
  }

  audit(filter?: AuditFilter): Promise<AuditEntry[]> {
    return listAudit(this.db.knex, filter);
  }
}

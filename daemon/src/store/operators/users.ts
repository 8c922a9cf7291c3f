/** astoperator and astapitoken rows: operators with a role, and their hashed bearer tokens. */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { isRole, weaker, type Role } from '../../domain/roles.js';
import type { Db } from '../db.js';
import { StoreError, isUniqueViolation } from '../errors.js';
import { requiredTime, toDbTime } from '../time.js';
import { recordAudit, type Actor } from './audit.js';
import { hashPassword, passwordProblem } from './password.js';

export interface Operator {
  id: number;
  name: string;
  role: Role;
  disabled: boolean;
  created: Date;
}

export interface OperatorRow extends Operator {
  passwordHash: string;
}

export const OPERATOR_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

function toOperator(r: Record<string, unknown>): OperatorRow {
  const role = String(r.role);
  if (!isRole(role)) throw new RangeError(`operator ${String(r.name)} has unknown role ${role}`);
  return {
    id: Number(r.id),
    name: String(r.name),
    role,
    disabled: Boolean(Number(r.disabled)),
    created: requiredTime(r.created),
    passwordHash: String(r.password_hash),
  };
}

const strip = ({ passwordHash: _, ...o }: OperatorRow): Operator => o;

export async function addOperator(
  db: Db,
  input: { name: string; role: Role; password: string },
  now = new Date(),
  actor?: Actor,
): Promise<Operator> {
  if (!OPERATOR_NAME.test(input.name))
    throw new StoreError('INVALID', 'an operator name is 1-64 letters, digits or _ . @ -');
  if (!isRole(input.role)) throw new StoreError('INVALID', `unknown role '${String(input.role)}'`);
  const problem = passwordProblem(input.password);
  if (problem) throw new StoreError('INVALID', problem);
  const passwordHash = await hashPassword(input.password);
  try {
    await db.tx(async (trx) => {
      await trx('astoperator').insert({
        name: input.name,
        role: input.role,
        password_hash: passwordHash,
        disabled: false,
        created: toDbTime(now),
      });
      if (actor)
        await recordAudit(trx, {
          actor,
          action: 'operator.add',
          target: `operator:${input.name}`,
          before: null,
          after: { role: input.role },
          at: now,
        });
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new StoreError('DUPLICATE', `operator '${input.name}' exists`, { cause: err });
    throw err;
  }
  return strip((await operatorByName(db.knex, input.name))!);
}

export async function operatorByName(knex: Knex, name: string): Promise<OperatorRow | undefined> {
  const r = (await knex('astoperator').where({ name }).first()) as
    Record<string, unknown> | undefined;
  return r ? toOperator(r) : undefined;
}

export async function operatorById(knex: Knex, id: number): Promise<OperatorRow | undefined> {
  const r = (await knex('astoperator').where({ id }).first()) as
    Record<string, unknown> | undefined;
  return r ? toOperator(r) : undefined;
}

export async function listOperators(knex: Knex): Promise<Operator[]> {
  const rows = (await knex('astoperator').orderBy('name')) as Record<string, unknown>[];
  return rows.map((r) => strip(toOperator(r)));
}

/** Disabling also ends the operator's sessions; their tokens stop working (checked per request). */
export async function setOperatorDisabled(
  db: Db,
  name: string,
  disabled: boolean,
  actor?: Actor,
): Promise<Operator> {
  const op = await operatorByName(db.knex, name);
  if (!op) throw new StoreError('NOT_FOUND', `no operator '${name}'`);
  await db.tx(async (trx) => {
    await trx('astoperator').where({ id: op.id }).update({ disabled });
    if (disabled) await trx('astsession').where({ operator_id: op.id }).delete();
    if (actor)
      await recordAudit(trx, {
        actor,
        action: disabled ? 'operator.disable' : 'operator.enable',
        target: `operator:${name}`,
        before: { disabled: op.disabled },
        after: { disabled },
      });
  });
  return { ...strip(op), disabled };
}

export const tokenDigest = (token: string): string =>
  createHash('sha256').update(token, 'utf8').digest('hex');

/** A new bearer token for `name` (role at most the operator's); the token is returned once. */
export async function addToken(
  db: Db,
  input: { name: string; role?: Role | undefined; label: string },
  now = new Date(),
  actor?: Actor,
): Promise<{ token: string; role: Role }> {
  const op = await operatorByName(db.knex, input.name);
  if (!op) throw new StoreError('NOT_FOUND', `no operator '${input.name}'`);
  const role = weaker(input.role ?? op.role, op.role);
  const token = `astb_${randomBytes(24).toString('base64url')}`;
  await db.tx(async (trx) => {
    await trx('astapitoken').insert({
      token_hash: tokenDigest(token),
      operator_id: op.id,
      role,
      label: input.label.slice(0, 80),
      disabled: false,
      created: toDbTime(now),
    });
    // The token itself never goes to the audit trail, only who got one for what.
    if (actor)
      await recordAudit(trx, {
        actor,
        action: 'token.add',
        target: `operator:${input.name}`,
        before: null,
        after: { label: input.label.slice(0, 80), role },
        at: now,
      });
  });
  return { token, role };
}

/** The operator and effective role behind a bearer token, when it is live. */
export async function tokenPrincipal(
  knex: Knex,
  token: string,
): Promise<{ operator: Operator; role: Role; label: string } | undefined> {
  const t = (await knex('astapitoken')
    .where({ token_hash: tokenDigest(token), disabled: false })
    .first()) as Record<string, unknown> | undefined;
  if (!t) return undefined;
  const op = await operatorById(knex, Number(t.operator_id));
  const role = String(t.role);
  if (!op || op.disabled || !isRole(role)) return undefined;
  return { operator: strip(op), role: weaker(role, op.role), label: String(t.label) };
}

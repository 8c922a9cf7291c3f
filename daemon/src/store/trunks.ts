/**
 * The carriers (asttrunk), their buy rates (asttrunkrate) and the route plans of tariffs
 * (astrouteplan): operator reads and writes, and the candidates of one destination for the
 * call flow. Buy-rate files are all or nothing, like sell rates (rates.ts).
 */
import type { Knex } from 'knex';
import {
  dialTemplateProblem,
  parsePlanTrunks,
  DEFAULT_PLAN,
  ROUTE_MODES,
  type Candidate,
  type Rate,
  type RouteMode,
  type RoutePlan,
  type Trunk,
} from '../rating/index.js';
import type { Db } from './db.js';
import { isUniqueViolation, StoreError } from './errors.js';
import {
  checkRateBatch,
  insertRateRows,
  longestPerOwner,
  rateColumns,
  rateFromColumns,
  tariffProblem,
  wherePrefixOf,
  type RateColumns,
} from './rate-rows.js';
import { recordAudit, type Actor } from './operators/audit.js';
import { AUDIT_RATES, rateJson } from './rates.js';
import { toDbTime } from './time.js';

export interface TrunkRow {
  id: number | string;
  name: string;
  dial: string;
  strip_digits: number | string;
  tech_prefix: string;
  max_channels: number | string | null;
  enabled: number | string | boolean;
}

export function toTrunk(r: TrunkRow): Trunk {
  return {
    id: Number(r.id),
    name: r.name,
    dial: r.dial,
    stripDigits: Number(r.strip_digits),
    techPrefix: r.tech_prefix,
    maxChannels: r.max_channels === null ? null : Number(r.max_channels),
    enabled: Number(r.enabled) === 1 || r.enabled === true,
  };
}

export type NewTrunk = Omit<Trunk, 'id'>;

/** Everything wrong with a trunk, or undefined. */
export function trunkProblem(t: NewTrunk): string | undefined {
  if (!/^[A-Za-z0-9_.-]{1,40}$/.test(t.name))
    return `trunk name '${t.name}' must be 1-40 letters, digits or _ . -`;
  const dial = dialTemplateProblem(t.dial);
  if (dial) return dial;
  if (!Number.isInteger(t.stripDigits) || t.stripDigits < 0 || t.stripDigits > 20)
    return 'strip must be 0..20 digits';
  if (!/^[0-9*#+]{0,20}$/.test(t.techPrefix))
    return `tech prefix '${t.techPrefix}' must be up to 20 of 0-9 * # +`;
  if (
    t.maxChannels !== null &&
    (!Number.isInteger(t.maxChannels) || t.maxChannels < 1 || t.maxChannels > 100_000)
  )
    return 'max channels must be 1..100000 (or none)';
  return undefined;
}

/** With an actor, each change below writes its astaudit row in the same transaction. */
export async function addTrunk(db: Db, t: NewTrunk, now: Date, actor?: Actor): Promise<Trunk> {
  const problem = trunkProblem(t);
  if (problem) throw new StoreError('INVALID', problem);
  try {
    await db.tx(async (trx) => {
      await trx('asttrunk').insert({
        name: t.name,
        dial: t.dial,
        strip_digits: t.stripDigits,
        tech_prefix: t.techPrefix,
        max_channels: t.maxChannels,
        enabled: t.enabled ? 1 : 0,
        created: toDbTime(now),
      });
      if (actor)
        await recordAudit(trx, {
          actor,
          action: 'trunk.add',
          target: `trunk:${t.name}`,
          before: null,
          after: {
            dial: t.dial,
            stripDigits: t.stripDigits,
            techPrefix: t.techPrefix,
            maxChannels: t.maxChannels,
            enabled: t.enabled,
          },
          at: now,
        });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new StoreError('DUPLICATE', `trunk '${t.name}' exists`);
    throw err;
  }
  return (await trunkByName(db.knex, t.name))!;
}

export async function trunkByName(q: Knex, name: string): Promise<Trunk | undefined> {
  const row = (await q('asttrunk').where({ name }).first()) as TrunkRow | undefined;
  return row && toTrunk(row);
}

export async function listTrunks(q: Knex): Promise<Trunk[]> {
  return ((await q('asttrunk').orderBy('name')) as TrunkRow[]).map(toTrunk);
}

/** Routing is on once any trunk exists; without one every call uses ASTBILL_DIAL. */
export async function routingConfigured(q: Knex): Promise<boolean> {
  return (await q('asttrunk').first('id')) !== undefined;
}

export async function setTrunkEnabled(
  db: Db,
  name: string,
  enabled: boolean,
  actor?: Actor,
): Promise<Trunk> {
  return db.tx(async (trx) => {
    const before = await requireTrunk(trx, name);
    await trx('asttrunk')
      .where({ name })
      .update({ enabled: enabled ? 1 : 0 });
    if (actor)
      await recordAudit(trx, {
        actor,
        action: enabled ? 'trunk.enable' : 'trunk.disable',
        target: `trunk:${name}`,
        before: { enabled: before.enabled },
        after: { enabled },
      });
    return { ...before, enabled };
  });
}

async function requireTrunk(q: Knex, name: string): Promise<Trunk> {
  const t = await trunkByName(q, name);
  if (!t) throw new StoreError('NOT_FOUND', `no trunk '${name}'`);
  return t;
}

/** Buy rates are `Rate`s whose `tariff` is the trunk name. */
export async function listBuyRates(q: Knex, trunk: string): Promise<Rate[]> {
  const t = await requireTrunk(q, trunk);
  const rows = (await q('asttrunkrate')
    .where({ trunk_id: t.id })
    .orderBy('prefix')) as RateColumns[];
  return rows.map((r) => rateFromColumns(t.name, r));
}

/** Inserts or updates (same prefix) the trunk's buy rates in ONE transaction: all or none. */
export async function upsertBuyRates(
  db: Db,
  trunk: string,
  rates: readonly Rate[],
  actor?: Actor,
): Promise<{ inserted: number; updated: number }> {
  checkRateBatch(
    rates.map((r) => ({ ...r, tariff: trunk })),
    'trunk',
  );
  return db.tx(async (trx) => {
    const t = await requireTrunk(trx, trunk);
    const existing = new Set(
      (
        (await trx('asttrunkrate').where({ trunk_id: t.id }).select('prefix')) as Array<{
          prefix: string;
        }>
      ).map((r) => r.prefix),
    );
    const replaced = actor
      ? await listBuyRates(trx, trunk).then((old) =>
          old.filter((o) => rates.some((r) => r.prefix === o.prefix)),
        )
      : [];
    await insertRateRows(
      trx,
      'asttrunkrate',
      rates.map((r) => ({ trunk_id: t.id, ...rateColumns(r) })),
      ['trunk_id', 'prefix'],
    );
    const updated = rates.filter((r) => existing.has(r.prefix)).length;
    if (actor)
      await recordAudit(trx, {
        actor,
        action: 'trunk.rates',
        target: `trunk:${trunk}`,
        before: { replaced: replaced.slice(0, AUDIT_RATES).map(rateJson) },
        after: {
          count: rates.length,
          updated,
          rates: rates.slice(0, AUDIT_RATES).map((r) => rateJson({ ...r, tariff: trunk })),
        },
      });
    return { inserted: rates.length - updated, updated };
  });
}

type CandidateRow = RateColumns & {
  trunk_id: number | string;
  t_name: string;
  t_dial: string;
  t_strip_digits: number | string;
  t_tech_prefix: string;
  t_max_channels: number | string | null;
  t_enabled: number | string;
};

/** The rows candidatesFor reads (a query of its own, so that call set-up can send it with others). */
export function candidatesQuery(q: Knex, dst: string): Knex.QueryBuilder {
  return wherePrefixOf(
    q('asttrunkrate as r').join('asttrunk as t', 't.id', 'r.trunk_id').where('t.enabled', 1),
    'r.prefix',
    dst,
  ).select(
    'r.*',
    't.name as t_name',
    't.dial as t_dial',
    't.strip_digits as t_strip_digits',
    't.tech_prefix as t_tech_prefix',
    't.max_channels as t_max_channels',
    't.enabled as t_enabled',
  );
}

/** Every enabled trunk with a buy rate for `dst`, each with its longest-prefix rate. */
export async function candidatesFor(q: Knex, dst: string): Promise<Candidate[]> {
  return toCandidates((await candidatesQuery(q, dst)) as CandidateRow[], dst);
}

export function toCandidates(rows: readonly CandidateRow[], dst: string): Candidate[] {
  return longestPerOwner(rows, (r) => r.t_name, dst).map((best) => ({
    trunk: toTrunk({
      id: best.trunk_id,
      name: best.t_name,
      dial: best.t_dial,
      strip_digits: best.t_strip_digits,
      tech_prefix: best.t_tech_prefix,
      max_channels: best.t_max_channels,
      enabled: best.t_enabled,
    }),
    buy: rateFromColumns(best.t_name, best),
  }));
}

/** The plan of a tariff without a row: least cost over every trunk. */
export function noPlan(): RoutePlan {
  return DEFAULT_PLAN;
}

export async function routePlan(q: Knex, tariff: string): Promise<RoutePlan> {
  return toPlan((await q('astrouteplan').where({ tariff }).first()) as PlanRow | undefined);
}

export type PlanRow = { mode: RouteMode; trunks: string };

export function toPlan(row: PlanRow | undefined): RoutePlan {
  return row ? { mode: row.mode, trunks: parsePlanTrunks(row.trunks) } : DEFAULT_PLAN;
}

/** Sets a tariff's plan; every trunk it names must exist. */
export async function setRoutePlan(
  db: Db,
  tariff: string,
  mode: string,
  trunks: string,
  actor?: Actor,
): Promise<RoutePlan> {
  const bad = tariffProblem(tariff);
  if (bad) throw new StoreError('INVALID', bad);
  if (!(ROUTE_MODES as readonly string[]).includes(mode))
    throw new StoreError('INVALID', `mode must be one of ${ROUTE_MODES.join(', ')}`);
  let list: RoutePlan['trunks'];
  try {
    list = parsePlanTrunks(trunks);
  } catch (err) {
    throw new StoreError('INVALID', (err as Error).message);
  }
  if (mode !== 'lcr' && list.length === 0)
    throw new StoreError('INVALID', `a ${mode} plan needs --trunks`);
  const text = list.map((t) => (t.weight === 1 ? t.name : `${t.name}:${t.weight}`)).join(',');
  if (text.length > 400) throw new StoreError('INVALID', 'too many trunks in one plan');
  return db.tx(async (trx) => {
    for (const t of list) await requireTrunk(trx, t.name);
    const before = (await trx('astrouteplan').where({ tariff }).first('mode', 'trunks')) as
      { mode: string; trunks: string } | undefined;
    if (actor)
      await recordAudit(trx, {
        actor,
        action: 'route.plan',
        target: `tariff:${tariff}`,
        before: before ? { mode: before.mode, trunks: before.trunks } : null,
        after: { mode, trunks: text },
      });
    await trx('astrouteplan')
      .insert({ tariff, mode, trunks: text })
      .onConflict(['tariff'])
      .merge(['mode', 'trunks']);
    return { mode: mode as RouteMode, trunks: list };
  });
}

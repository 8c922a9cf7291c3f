/**
 * Rate-deck versions: a tariff's rows with one `effective` time form a version; a call is rated
 * by the version with the latest effective ≤ its start (rates.ts versionAt). Importing a version
 * replaces that tariff's rows at exactly that time, all tariffs of the deck in ONE transaction
 * (nothing half-imported), and reports what it changes against the version in force at that
 * time before the import. Calls authorised earlier keep the rate snapshot on their CDR.
 */
import { deckDiff, type DeckDiff, type Rate } from '../rating/index.js';
import type { Db } from './db.js';
import type { Knex } from 'knex';
import { StoreError } from './errors.js';
import { checkRateBatch, insertRateRows, rateColumns } from './rate-rows.js';
import { AUDIT_RATES, rateJson, toRate, versionAt, type RateRow } from './rates.js';
import { recordAudit, type Actor } from './operators/audit.js';
import { fromDbTime, requiredTime, toDbTime } from './time.js';

export interface VersionDiff extends DeckDiff {
  tariff: string;
  effective: Date;
  /** The version the new one takes over from at `effective` (null: the tariff had none then). */
  replaces: Date | null;
}

export interface VersionInfo {
  tariff: string;
  effective: Date;
  rates: number;
}

async function versionRows(
  q: Knex,
  tariff: string,
  at: Date,
): Promise<{ rates: Rate[]; effective: Date | null }> {
  const [v] = (await versionAt(q, tariff, at)) as Array<Record<string, unknown>>;
  const effective = fromDbTime(v ? Object.values(v)[0] : null);
  if (!effective) return { rates: [], effective: null };
  const rows = (await q('astrate').where({ tariff, effective: toDbTime(effective) })) as RateRow[];
  return { rates: rows.map(toRate), effective };
}

/**
 * Writes the deck as the version of each of its tariffs effective at `effective` (replacing a
 * version at exactly that time), or with `dryRun` writes nothing; either way returns the diff
 * per tariff, computed in the same transaction as the write.
 */
export async function importVersion(
  db: Db,
  rates: readonly Rate[],
  effective: Date,
  opts: { dryRun?: boolean; actor?: Actor | undefined } = {},
): Promise<VersionDiff[]> {
  if (Number.isNaN(effective.getTime())) throw new StoreError('INVALID', 'invalid effective time');
  checkRateBatch(rates);
  if (rates.length === 0) throw new StoreError('INVALID', 'a deck version needs at least one rate');
  const at = toDbTime(effective);
  const tariffs = [...new Set(rates.map((r) => r.tariff))].sort();
  return db.tx(async (trx) => {
    const diffs: VersionDiff[] = [];
    for (const tariff of tariffs) {
      const mine = rates.filter((r) => r.tariff === tariff);
      const before = await versionRows(trx, tariff, effective);
      diffs.push({
        tariff,
        effective,
        replaces: before.effective,
        ...deckDiff(before.rates, mine),
      });
      if (opts.dryRun) continue;
      await trx('astrate').where({ tariff, effective: at }).delete();
      await insertRateRows(
        trx,
        'astrate',
        mine.map((r) => ({ tariff: r.tariff, ...rateColumns(r), effective: at })),
      );
      if (opts.actor) await auditVersion(trx, opts.actor, diffs.at(-1)!);
    }
    return diffs;
  });
}

/** One astaudit row per tariff of an imported version: what it replaces and what changed. */
async function auditVersion(trx: Knex.Transaction, actor: Actor, d: VersionDiff): Promise<void> {
  const few = <T>(list: T[]) => list.slice(0, AUDIT_RATES);
  await recordAudit(trx, {
    actor,
    action: 'rates.version',
    target: `tariff:${d.tariff}`,
    before: {
      effective: d.replaces?.toISOString() ?? null,
      removed: few(d.removed).map(rateJson),
      changed: few(d.changed).map((c) => rateJson(c.before)),
    },
    after: {
      effective: d.effective.toISOString(),
      added: d.added.length,
      changed: d.changed.length,
      removed: d.removed.length,
      unchanged: d.unchanged,
      rates: few([...d.added, ...d.changed.map((c) => c.after)]).map(rateJson),
    },
  });
}

/** Every version of every tariff (or of one), oldest first. */
export async function listVersions(q: Knex, tariff?: string): Promise<VersionInfo[]> {
  const query = q('astrate')
    .select('tariff', 'effective')
    .count({ n: '*' })
    .groupBy('tariff', 'effective')
    .orderBy([{ column: 'tariff' }, { column: 'effective' }]);
  if (tariff !== undefined) query.where({ tariff });
  const rows = (await query) as Array<{ tariff: string; effective: unknown; n: number | string }>;
  return rows.map((r) => ({
    tariff: r.tariff,
    effective: requiredTime(r.effective),
    rates: Number(r.n),
  }));
}

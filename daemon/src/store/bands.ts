/**
 * The astband table: a tariff's time bands (rating/bands.ts). Each band takes its prices from a
 * band tariff, an ordinary rate deck (imported, versioned and diffed like any other: a separate
 * deck per band), looked up for the same number at the same instant as the base rate; a band
 * tariff without a rate for the number prices that band at the base rate. The billing blocks are
 * always the base rate's. The CDR keeps the banding the call was granted on (bandingJson).
 */
import type { Knex } from 'knex';
import {
  bandProblem,
  formatMoney,
  parseMoney,
  type Band,
  type BandShare,
  type Banding,
  type Rate,
} from '../rating/index.js';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { recordAudit, type Actor } from './operators/audit.js';
import { rateFor, tariffProblem } from './rates.js';

/** A band as the operator defines it: its window, and the tariff its prices come from. */
export interface BandDef {
  name: string;
  days: number[];
  from: number;
  to: number;
  bandTariff: string;
}

export interface TariffBands {
  tariff: string;
  zone: string;
  bands: BandDef[];
}

interface BandRow {
  tariff: string;
  position: number | string;
  name: string;
  days: string;
  from_min: number | string;
  to_min: number | string;
  zone: string;
  band_tariff: string;
}

const toDef = (r: BandRow): BandDef => ({
  name: r.name,
  days: r.days.split(',').map(Number),
  from: Number(r.from_min),
  to: Number(r.to_min),
  bandTariff: r.band_tariff,
});

function grouped(rows: readonly BandRow[]): TariffBands[] {
  const out = new Map<string, TariffBands>();
  const sorted = [...rows].sort(
    (a, b) => a.tariff.localeCompare(b.tariff) || Number(a.position) - Number(b.position),
  );
  for (const r of sorted) {
    const t = out.get(r.tariff) ?? { tariff: r.tariff, zone: r.zone, bands: [] };
    t.bands.push(toDef(r));
    out.set(r.tariff, t);
  }
  return [...out.values()];
}

export async function listBands(q: Knex, tariff?: string): Promise<TariffBands[]> {
  const query = tariff === undefined ? q('astband').select() : bandRowsQuery(q, tariff);
  return grouped((await query) as BandRow[]);
}

/** Replaces the bands of a tariff (none: removes them), in ONE transaction, audited. */
export async function setBands(db: Db, set: TariffBands, actor?: Actor): Promise<void> {
  const problem =
    tariffProblem(set.tariff) ??
    set.bands.map((b) => tariffProblem(b.bandTariff)).find(Boolean) ??
    bandProblem({
      zone: set.zone,
      bands: set.bands.map((b) => ({ ...b, ratePerMin: 0n })),
    }) ??
    (set.bands.some((b) => b.bandTariff === set.tariff)
      ? 'a band takes its prices from another tariff than its own'
      : undefined) ??
    (new Set(set.bands.map((b) => b.name)).size < set.bands.length
      ? 'band names must differ'
      : undefined);
  if (problem) throw new StoreError('INVALID', `bands of ${set.tariff}: ${problem}`);
  await db.tx(async (trx) => {
    const before = await listBands(trx, set.tariff);
    await trx('astband').where({ tariff: set.tariff }).delete();
    if (set.bands.length > 0)
      await trx('astband').insert(
        set.bands.map((b, i) => ({
          tariff: set.tariff,
          position: i + 1,
          name: b.name,
          days: [...new Set(b.days)].sort().join(','),
          from_min: b.from,
          to_min: b.to,
          zone: set.zone,
          band_tariff: b.bandTariff,
        })),
      );
    if (actor)
      await recordAudit(trx, {
        actor,
        action: 'bands.set',
        target: `tariff:${set.tariff}`,
        before: before[0] ? { ...before[0] } : null,
        after: set.bands.length ? { ...set } : null,
      });
  });
}

/**
 * The banding of `number` in `tariff` at `at` (the call's start, like the base rate), with each
 * band's price from its band tariff; undefined when the tariff has no bands.
 */
export async function bandingFor(
  q: Knex,
  base: Pick<Rate, 'tariff' | 'ratePerMin' | 'connectFee'>,
  number: string,
  at: Date,
): Promise<Banding | undefined> {
  const [set] = await listBands(q, base.tariff);
  if (!set) return undefined;
  const prices = new Map<string, Rate | undefined>();
  for (const t of new Set(set.bands.map((b) => b.bandTariff)))
    prices.set(t, await rateFor(q, t, number, at));
  return bandingOf(set, base, (t) => prices.get(t));
}

/** The bands of `set` priced for one number: by its band tariff's rate, else the base rate's. */
export function bandingOf(
  set: TariffBands,
  base: Pick<Rate, 'ratePerMin' | 'connectFee'>,
  priceOf: (bandTariff: string) => Pick<Rate, 'ratePerMin' | 'connectFee'> | undefined,
): Banding {
  return {
    zone: set.zone,
    bands: set.bands.map((b): Band => {
      const r = priceOf(b.bandTariff);
      return {
        name: b.name,
        days: b.days,
        from: b.from,
        to: b.to,
        ratePerMin: r?.ratePerMin ?? base.ratePerMin,
        connectFee: r?.connectFee ?? base.connectFee,
      };
    }),
  };
}

/** The astband rows of the tariff `tariff` (a name, or a subquery giving it) selects. */
export function bandRowsQuery(q: Knex, tariff: string | Knex.QueryBuilder): Knex.QueryBuilder {
  return q('astband').where('tariff', tariff);
}

/** The bands of one tariff from its astband rows (undefined: it has none). */
export function bandsFromRows(rows: readonly unknown[]): TariffBands | undefined {
  return grouped(rows as BandRow[])[0];
}

/** The banding as the CDR keeps it (money as exact decimal strings). */
export function bandingJson(b: Banding): string {
  return JSON.stringify({
    zone: b.zone,
    bands: b.bands.map((x) => ({
      name: x.name,
      days: x.days,
      from: x.from,
      to: x.to,
      ratePerMin: formatMoney(x.ratePerMin),
      ...(x.connectFee !== undefined ? { connectFee: formatMoney(x.connectFee) } : {}),
    })),
  });
}

interface BandJson {
  name: string;
  days: number[];
  from: number;
  to: number;
  ratePerMin: string;
  connectFee?: string;
}

export function bandingFromJson(text: string | null | undefined): Banding | null {
  if (!text) return null;
  const j = JSON.parse(text) as { zone: string; bands: BandJson[] };
  return {
    zone: j.zone,
    bands: j.bands.map((x) => ({
      name: x.name,
      days: x.days,
      from: x.from,
      to: x.to,
      ratePerMin: parseMoney(x.ratePerMin),
      ...(x.connectFee !== undefined ? { connectFee: parseMoney(x.connectFee) } : {}),
    })),
  };
}

/** A settled banded call's split as the CDR keeps it. */
export function bandSplitJson(split: readonly BandShare[]): string {
  return JSON.stringify(
    split.map((x) => ({ band: x.band, seconds: x.seconds, cost: formatMoney(x.cost) })),
  );
}

export function bandSplitFromJson(text: string | null | undefined): BandShare[] | null {
  if (!text) return null;
  const j = JSON.parse(text) as Array<{ band: string; seconds: number; cost: string }>;
  return j.map((x) => ({ band: x.band, seconds: x.seconds, cost: parseMoney(x.cost) }));
}

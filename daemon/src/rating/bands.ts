/**
 * Time bands: a rate whose per-minute price (and connection fee) depends on the weekday and the
 * wall-clock time in the tariff's time zone (peak Mon–Fri 08:00–18:00 Europe/Berlin, …). Pure:
 * zone offsets come from Intl.DateTimeFormat, everything else is integer arithmetic.
 *
 * How a call is priced: its billing blocks are those of the base rate (initial block, then
 * increments, the minimum first: billedSeconds), counted from the answer and continuing across
 * band boundaries. Each block is priced whole at the band in force at the instant the block
 * STARTS, so a block that straddles a boundary costs what its first second's band costs. The
 * connection fee is that of the band at the answer. The money is rounded once, up, for the whole
 * call: cost = fee + ceil(Σ blocks rate·seconds / 60), so a call inside one band costs exactly
 * callCost of that band's rate.
 *
 * Bands are tried in order; the first whose weekday set holds the local weekday and whose window
 * [from, to) holds the local minute of the day applies; none: the base rate. At a DST change the
 * wall clock decides (the skipped hour never applies; the repeated hour applies twice).
 *
 * Every function takes the answer instant: the split depends on when the talk starts. A session
 * that authorises before the answer must price the ring time in too (see the report of issue 18).
 */
import type { Money } from './money.js';
import type { Rate } from './rate.js';
import { billedSeconds, firstBoundary } from './cost.js';
import { boundaryAtOrBelow } from './max-seconds.js';
import type { Pricing } from './grants.js';

type Tariffing = Pick<
  Rate,
  'ratePerMin' | 'connectFee' | 'initialSecs' | 'incrementSecs' | 'minSecs'
>;

export interface Band {
  /** What the CDR's band split and the operator call it (peak, weekend, …). */
  name: string;
  /** ISO weekdays the band applies on: 1 = Monday … 7 = Sunday. */
  days: readonly number[];
  /** Local minute of the day the window opens (0..1439) and closes (exclusive, 1..1440). */
  from: number;
  to: number;
  ratePerMin: Money;
  /** Default: the base rate's. */
  connectFee?: Money;
}

/** The bands of a tariff, as a rate carries them (Rate.banding) and a CDR keeps them. */
export interface Banding {
  /** IANA time zone of the tariff, e.g. Europe/Berlin. */
  zone: string;
  bands: readonly Band[];
}

export interface BandedRate extends Banding {
  /** The base rate: the billing blocks, and the price where no band applies. */
  base: Tariffing;
}

/** The name the split gives the time no band covers (priced at the base rate). */
export const BASE_BAND = 'base';

/** Why the bands are unusable, or undefined when they are sound. */
export function bandProblem(b: Banding): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: b.zone });
  } catch {
    return `unknown time zone '${b.zone}'`;
  }
  for (const [i, band] of b.bands.entries()) {
    const at = `band ${i + 1}`;
    if (!/^[A-Za-z0-9_-]{1,20}$/.test(band.name) || band.name === BASE_BAND)
      return `${at}: a name is 1-20 letters, digits, _ or - (not '${BASE_BAND}')`;
    if (band.days.length === 0 || band.days.some((d) => !Number.isInteger(d) || d < 1 || d > 7))
      return `${at}: weekdays are 1 (Monday) to 7 (Sunday)`;
    if (!Number.isInteger(band.from) || !Number.isInteger(band.to))
      return `${at}: times are whole minutes`;
    if (band.from < 0 || band.to > 1440 || band.from >= band.to)
      return `${at}: the window must be within one day, from before to`;
    if (band.ratePerMin < 0n || (band.connectFee ?? 0n) < 0n) return `${at}: negative price`;
  }
  return undefined;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at `utcMs`, in whole minutes. */
export function zoneOffsetMinutes(zone: string, utcMs: number): number {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formats.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(utcMs))) p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!);
  const utcMinute = Math.floor(utcMs / 60_000) * 60_000;
  return Math.round((wall - utcMinute) / 60_000);
}

/** Local ISO weekday and minute of the day at `utcMs`. */
export function localTime(zone: string, utcMs: number): { weekday: number; minute: number } {
  const local = new Date(utcMs + zoneOffsetMinutes(zone, utcMs) * 60_000);
  const weekday = local.getUTCDay() === 0 ? 7 : local.getUTCDay();
  return { weekday, minute: local.getUTCHours() * 60 + local.getUTCMinutes() };
}

/** The band in force at `utcMs` (undefined: the base rate). */
export function bandAt(b: BandedRate, utcMs: number): Band | undefined {
  const { weekday, minute } = localTime(b.zone, utcMs);
  return b.bands.find((x) => x.days.includes(weekday) && minute >= x.from && minute < x.to);
}

/**
 * The next instant after `utcMs` (a whole minute) at which the band may change: the next local
 * band edge or midnight, or a zone offset change before it. Only ever later than `utcMs`.
 */
function nextChange(b: BandedRate, utcMs: number): number {
  const here = Math.floor(utcMs / 60_000) * 60_000;
  const { minute } = localTime(b.zone, here);
  let next = 1440;
  for (const x of b.bands)
    for (const edge of [x.from, x.to]) if (edge > minute && edge < next) next = edge;
  let candidate = here + (next - minute) * 60_000;
  const off = zoneOffsetMinutes(b.zone, here);
  if (zoneOffsetMinutes(b.zone, candidate) !== off) {
    // An offset change in between: find its first minute (offsets are a step function).
    let lo = here;
    let hi = candidate;
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      if (zoneOffsetMinutes(b.zone, mid) === off) lo = mid;
      else hi = mid;
    }
    candidate = hi;
  }
  return candidate;
}

/** The band in force as a step function over [startMs, endMs): [from, band] pieces, in order. */
function bandPieces(
  b: BandedRate,
  startMs: number,
  endMs: number,
): Array<[number, Band | undefined]> {
  const pieces: Array<[number, Band | undefined]> = [];
  for (let t = startMs; t < endMs; t = nextChange(b, t)) {
    const band = bandAt(b, t);
    if (pieces.length === 0 || pieces.at(-1)![1] !== band) pieces.push([t, band]);
  }
  return pieces;
}

/** One band's part of a call: its billed seconds and their rate·seconds (Σ price·s, before /60). */
interface Piece {
  band: Band | undefined;
  seconds: number;
  rateSeconds: bigint;
}

/** The billing blocks of [0, billed), grouped by the band they start in, in time order. */
function blockPieces(b: BandedRate, answerMs: number, billed: number): Piece[] {
  const b0 = firstBoundary(b.base);
  const inc = b.base.incrementSecs;
  const pieces = bandPieces(b, answerMs, answerMs + billed * 1000);
  const out: Piece[] = [];
  // Blocks start at 0 and at b0 + k·inc; each is priced at the piece holding its start.
  const blocksStartingIn = (fromS: number, toS: number): number => {
    // Count block starts s with fromS ≤ s < toS, s ∈ {0} ∪ {b0 + k·inc < billed}.
    const lastStart = Math.min(toS, billed) - 1;
    if (lastStart < fromS) return 0;
    const upTo = (x: number) => (x < 0 ? 0 : 1 + (x < b0 ? 0 : Math.floor((x - b0) / inc) + 1));
    return upTo(lastStart) - upTo(fromS - 1);
  };
  for (const [i, [from, band]] of pieces.entries()) {
    const to = i + 1 < pieces.length ? pieces[i + 1]![0] : answerMs + billed * 1000;
    const fromS = Math.ceil((from - answerMs) / 1000);
    const toS = Math.ceil((to - answerMs) / 1000);
    const n = blocksStartingIn(fromS, toS);
    if (n === 0) continue;
    // The first block (length b0) starts at 0; the others are increments.
    const hasFirst = fromS <= 0 && toS > 0;
    const seconds = (hasFirst ? b0 : 0) + (n - (hasFirst ? 1 : 0)) * inc;
    const price = band?.ratePerMin ?? b.base.ratePerMin;
    out.push({ band, seconds, rateSeconds: price * BigInt(seconds) });
  }
  return out;
}

/** Σ rate·seconds over the billing blocks of [0, billed) (the numerator of the call's price). */
function rateSeconds(b: BandedRate, answerMs: number, billed: number): bigint {
  return blockPieces(b, answerMs, billed).reduce((sum, p) => sum + p.rateSeconds, 0n);
}

/** One band's share of a call's cost, for the CDR (which bands, how long, how much). */
export interface BandShare {
  /** The band's name, BASE_BAND for time no band covers. */
  band: string;
  /** Billed seconds of the blocks that started in the band. */
  seconds: number;
  cost: Money;
}

/**
 * How bandedCallCost splits over the bands, in time order, one share per band (a band entered
 * twice is summed). The connection fee goes to the band at the answer; the money is rounded once
 * for the call, so each share is ceil(cumulative/60) − ceil(previous cumulative/60): the shares
 * add up to the cost exactly.
 */
export function bandShares(b: BandedRate, answerMs: number, billsec: number): BandShare[] {
  const billed = billedSeconds(b.base, billsec);
  if (billed === 0) return [];
  const shares = new Map<string, BandShare>();
  let cum = 0n;
  let paid = 0n;
  const first = bandAt(b, answerMs);
  const fee = first?.connectFee ?? b.base.connectFee;
  for (const p of blockPieces(b, answerMs, billed)) {
    cum += p.rateSeconds;
    const upTo = (cum + 59n) / 60n;
    const name = p.band?.name ?? BASE_BAND;
    const share = shares.get(name) ?? { band: name, seconds: 0, cost: 0n };
    share.seconds += p.seconds;
    share.cost += upTo - paid + (shares.size === 0 && !shares.has(name) ? fee : 0n);
    paid = upTo;
    shares.set(name, share);
  }
  return [...shares.values()];
}

/** What a call answered at `answerMs` that talked `billsec` seconds costs under the bands. */
export function bandedCallCost(b: BandedRate, answerMs: number, billsec: number): Money {
  const billed = billedSeconds(b.base, billsec);
  if (billed === 0) return 0n;
  const fee = bandAt(b, answerMs)?.connectFee ?? b.base.connectFee;
  return fee + (rateSeconds(b, answerMs, billed) + 59n) / 60n;
}

/**
 * The longest talk time from `answerMs` that `available` pays for under the bands: a billing
 * boundary (or 0), at most `capSecs` (boundaryAtOrBelow), with bandedCallCost(result) ≤ available
 * exactly, and the next boundary ≤ cap unaffordable. Cost only grows with the boundary, so bisect.
 */
export function bandedMaxAffordableSeconds(
  b: BandedRate,
  answerMs: number,
  available: Money,
  capSecs: number,
): number {
  if (!Number.isInteger(capSecs) || capSecs < 0)
    throw new RangeError(`cap must be a whole number ≥ 0, got ${capSecs}`);
  if (capSecs === 0) return 0;
  const b0 = firstBoundary(b.base);
  const fits = (s: number) => bandedCallCost(b, answerMs, s) <= available;
  if (!fits(b0)) return 0;
  const capped = boundaryAtOrBelow(b.base, capSecs);
  if (capped < b0) return capped;
  const inc = b.base.incrementSecs;
  let lo = 0;
  let hi = Math.floor((capped - b0) / inc);
  if (fits(b0 + hi * inc)) return b0 + hi * inc;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (fits(b0 + mid * inc)) lo = mid;
    else hi = mid;
  }
  return b0 + lo * inc;
}

/** Pricing (grants.ts) of a call answered at `answerMs` under the bands: for nextGrantPriced. */
export function bandedPricing(b: BandedRate, answerMs: number): Pricing {
  return {
    cost: (s) => bandedCallCost(b, answerMs, s),
    maxAffordable: (available, cap) => bandedMaxAffordableSeconds(b, answerMs, available, cap),
  };
}

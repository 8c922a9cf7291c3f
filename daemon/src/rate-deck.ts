/**
 * Reading a rate deck (`astbill rate import`): a CSV file, comma- or semicolon-separated (the
 * header line decides), through the one CSV reader (csv.ts). Columns are found by their header
 * name (astbill's own names or the usual names in carriers' decks, see HEADER_NAMES), or by an
 * explicit mapping `field=Header` for the rest. Every line is checked; the deck is either all
 * good or refused with every problem and its line number (nothing is half-imported).
 *
 * An unknown column is refused (a misspelt `conect_fee` must not silently bill no fee) unless it
 * is listed to be ignored, or an explicit mapping is given (then only mapped columns are read).
 * In a semicolon-separated deck a decimal comma (0,0125) is read as a decimal point.
 * An effective date column, if any, must hold one date for the whole deck (the version's).
 */
import { CsvSyntaxError, readCsv, type CsvRecord } from './csv.js';
import { parseMoney, type Rate } from './rating/index.js';
import { storableRateProblem } from './store/rates.js';
import { RATE_VALUE_COLUMNS } from './store/rate-rows.js';

export const DECK_FIELDS = ['tariff', 'prefix', ...RATE_VALUE_COLUMNS, 'effective'] as const;
export type DeckField = (typeof DECK_FIELDS)[number];

/** Header names read as each field, compared lower case with spaces, _ - / . folded away. */
const HEADER_NAMES: Record<DeckField, readonly string[]> = {
  tariff: ['tariff'],
  prefix: ['prefix', 'code', 'dialcode', 'destinationcode', 'areacode'],
  description: ['description', 'destination', 'name', 'country'],
  rate_per_min: ['ratepermin', 'rate', 'price', 'priceperminute', 'permin', 'perminute'],
  connect_fee: ['connectfee', 'connectionfee', 'connection', 'setupfee', 'connect'],
  initial_secs: ['initialsecs', 'firstincrement', 'initialincrement', 'firstinterval'],
  increment_secs: ['incrementsecs', 'nextincrement', 'increment', 'nextinterval', 'interval'],
  min_secs: ['minsecs', 'minimum', 'minimumduration'],
  effective: ['effective', 'effectivedate', 'effectivefrom', 'validfrom'],
};

const fold = (h: string): string => h.toLowerCase().replace(/[\s_\-/.]+/g, '');

const DEFAULTS = { connect: 0n, initial: 60, increment: 60, min: 0 };

export interface DeckOptions {
  /** The tariff of every row when the deck has no tariff column. */
  tariff?: string | undefined;
  /** field → header name, for columns the names do not find (then only mapped columns are read). */
  map?: Partial<Record<DeckField, string>> | undefined;
  /** Header names of columns to leave unread. */
  ignore?: readonly string[] | undefined;
}

export interface Deck {
  rates: Rate[];
  /** The effective date the deck's own column gives, if it has one. */
  effective: Date | null;
  delimiter: ',' | ';';
  /** Columns not read (ignored or unmapped). */
  ignored: string[];
  problems: string[];
}

/** `field=Header,field=Header` (the --map option) as a mapping; RangeError when malformed. */
export function parseMapping(text: string): Partial<Record<DeckField, string>> {
  const map: Partial<Record<DeckField, string>> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const field = part.slice(0, eq).trim() as DeckField;
    const header = part.slice(eq + 1).trim();
    if (eq < 1 || header === '' || !DECK_FIELDS.includes(field))
      throw new RangeError(
        `mapping '${part}' is not FIELD=Header (fields: ${DECK_FIELDS.join(', ')})`,
      );
    map[field] = header;
  }
  return map;
}

/** An effective date: YYYY-MM-DD, optionally with HH:MM[:SS] and a zone (Z, ±HH:MM); UTC when none. */
export function parseEffective(text: string): Date {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?)?$/.exec(
      text.trim(),
    );
  if (!m) throw new RangeError(`'${text}' is not a date (YYYY-MM-DD[ HH:MM[:SS]][Z|±HH:MM])`);
  const [, y, mo, d, h = '00', mi = '00', s = '00', zone = 'Z'] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${zone}`;
  const at = new Date(iso);
  // Date accepts 2026-02-30 as 2 March; a date must be the day it names, a time a real time.
  const day = new Date(`${y}-${mo}-${d}T00:00:00Z`);
  if (
    Number.isNaN(at.getTime()) ||
    Number.isNaN(day.getTime()) ||
    day.toISOString().slice(0, 10) !== `${y}-${mo}-${d}` ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  )
    throw new RangeError(`'${text}' is not a real date`);
  return at;
}

function delimiterOf(text: string): ',' | ';' {
  const first =
    text
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .find((l) => l.trim() && !l.startsWith('#')) ?? '';
  return (first.match(/;/g)?.length ?? 0) > (first.match(/,/g)?.length ?? 0) ? ';' : ',';
}

/** Which column holds each field, or the header problem. */
function columnsOf(
  header: string[],
  opts: DeckOptions,
): { cols: Partial<Record<DeckField, number>>; ignored: string[] } | string {
  const cols: Partial<Record<DeckField, number>> = {};
  const ignored: string[] = [];
  const unknown: string[] = [];
  const twice: string[] = [];
  const ignore = new Set((opts.ignore ?? []).map(fold));
  const mapped = new Map(Object.entries(opts.map ?? {}).map(([f, h]) => [fold(h), f as DeckField]));
  for (const [i, h] of header.entries()) {
    const f = fold(h);
    const field = opts.map
      ? mapped.get(f)
      : DECK_FIELDS.find((name) => HEADER_NAMES[name].includes(f));
    if (field === undefined || ignore.has(f)) {
      if (opts.map || ignore.has(f)) ignored.push(h);
      else unknown.push(h);
      continue;
    }
    if (cols[field] !== undefined) twice.push(h);
    cols[field] = i;
  }
  const missingMapped = [...mapped.entries()]
    .filter(([, field]) => cols[field] === undefined)
    .map(([h]) => h);
  const missing = (['prefix', 'rate_per_min'] as const).filter((c) => cols[c] === undefined);
  if (cols.tariff === undefined && !opts.tariff) missing.unshift('tariff' as never);
  const what = [
    unknown.length
      ? `unknown column(s) ${unknown.join(', ')} (map them with --map FIELD=Header or --ignore them)`
      : '',
    missing.length ? `missing column(s) ${missing.join(', ')}` : '',
    missingMapped.length ? `mapped column(s) not in the header: ${missingMapped.join(', ')}` : '',
    twice.length ? `repeated column(s) ${twice.join(', ')}` : '',
    cols.tariff !== undefined && opts.tariff ? 'a tariff column and --tariff: give one' : '',
  ].filter(Boolean);
  return what.length ? `bad header: ${what.join('; ')}` : { cols, ignored };
}

/** Parses and checks a whole deck: the rates, or every problem with its line number. */
export function parseRateDeck(text: string, opts: DeckOptions = {}): Deck {
  const delimiter = delimiterOf(text);
  const deck: Deck = { rates: [], effective: null, delimiter, ignored: [], problems: [] };
  let records: CsvRecord[];
  try {
    records = readCsv(text, { delimiter });
  } catch (err) {
    if (err instanceof CsvSyntaxError) return { ...deck, problems: [err.message] };
    throw err;
  }
  const [head, ...body] = records;
  if (!head) return { ...deck, problems: ['the file is empty (expected a header line)'] };
  const found = columnsOf(head.fields, opts);
  if (typeof found === 'string')
    return {
      ...deck,
      problems: [`line ${head.line}: ${found} (astbill's names: ${DECK_FIELDS.join(',')})`],
    };
  const { cols } = found;
  deck.ignored = found.ignored;
  const seen = new Map<string, number>();
  let effectiveText: string | undefined;
  for (const { line, fields } of body) {
    try {
      if (fields.length !== head.fields.length)
        throw new Error(`expected ${head.fields.length} fields, found ${fields.length}`);
      const get = (c: DeckField): string | undefined => {
        const i = cols[c];
        const v = i === undefined ? undefined : fields[i];
        return v === '' ? undefined : v;
      };
      const money = (c: DeckField, def?: bigint): bigint => {
        let v = get(c);
        if (v === undefined) {
          if (def === undefined) throw new Error(`${c} is required`);
          return def;
        }
        if (delimiter === ';' && /^\d+,\d+$/.test(v)) v = v.replace(',', '.');
        let m: bigint;
        try {
          m = parseMoney(v);
        } catch (err) {
          throw new Error(`${c}: ${(err as Error).message}`);
        }
        if (m < 0n) throw new Error(`${c} must not be negative`);
        return m;
      };
      const int = (c: DeckField, def: number, min: number): number => {
        const v = get(c);
        if (v === undefined) return def;
        if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > 86_400)
          throw new Error(`${c} must be a whole number ${min}..86400, got '${v}'`);
        return Number(v);
      };
      const rate: Rate = {
        tariff: get('tariff') ?? opts.tariff ?? '',
        prefix: get('prefix') ?? '',
        description: get('description') ?? '',
        ratePerMin: money('rate_per_min'),
        connectFee: money('connect_fee', DEFAULTS.connect),
        initialSecs: int('initial_secs', DEFAULTS.initial, 1),
        incrementSecs: int('increment_secs', DEFAULTS.increment, 1),
        minSecs: int('min_secs', DEFAULTS.min, 0),
      };
      const problem =
        rate.tariff === ''
          ? 'tariff is required'
          : rate.prefix === ''
            ? 'prefix is required'
            : storableRateProblem(rate);
      if (problem) throw new Error(problem);
      const eff = get('effective');
      if (eff !== undefined) {
        const at = parseEffective(eff);
        if (effectiveText !== undefined && deck.effective?.getTime() !== at.getTime())
          throw new Error(
            `effective ${eff} differs from ${effectiveText}: a deck has one effective date`,
          );
        effectiveText ??= eff;
        deck.effective = at;
      }
      const key = `${rate.tariff}\u0000${rate.prefix}`;
      const first = seen.get(key);
      if (first !== undefined)
        throw new Error(
          `prefix ${rate.prefix} of tariff ${rate.tariff} is already on line ${first}`,
        );
      seen.set(key, line);
      deck.rates.push(rate);
    } catch (err) {
      deck.problems.push(`line ${line}: ${(err as Error).message}`);
    }
  }
  if (deck.problems.length === 0 && deck.rates.length === 0)
    deck.problems.push('the file has a header but no rates');
  return deck;
}

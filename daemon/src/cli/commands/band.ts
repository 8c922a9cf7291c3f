/**
 * `astbill band set|clear|list`: a tariff's time bands (store/bands.ts). A band is a weekday set
 * and a local time window in the tariff's zone, priced by its own band tariff (an ordinary deck:
 * `astbill rate import peak.csv --tariff default-peak`); the first band that holds a call's
 * second applies, none: the tariff's own rate.
 */
import type { BandDef } from '../../store/bands.js';
import { cliActor } from '../actor.js';
import { UsageError, runSubcommand } from '../command.js';
import { noArguments, parse, required } from '../args.js';
import { out, outList } from '../format.js';
import { withStore } from '../open-store.js';

export const summary = 'time bands of a tariff (peak, off-peak, weekend) priced by band tariffs';

export const usage = `usage:
  astbill band set --tariff T --zone ZONE BAND...   (replaces the tariff's bands, tried in order)
  astbill band clear --tariff T
  astbill band list [--tariff T] [--json]
BAND is NAME/DAYS/HH:MM-HH:MM/BAND_TARIFF, DAYS 1 (Monday) to 7 (Sunday) as 1-5 or 6,7,
e.g. astbill band set --tariff default --zone Europe/Berlin peak/1-5/08:00-18:00/default-peak`;

const hhmm = (t: string): number => {
  const m = /^(\d{2}):(\d{2})$/.exec(t);
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59 || (m[1] === '24' && m[2] !== '00'))
    throw new UsageError(`band: '${t}' is not a time HH:MM (00:00 to 24:00)`);
  return Number(m[1]) * 60 + Number(m[2]);
};
const clock = (min: number) =>
  `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;

function days(text: string): number[] {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^([1-7])(?:-([1-7]))?$/.exec(part);
    if (!m) throw new UsageError(`band: '${text}' is not weekdays like 1-5 or 6,7`);
    for (let d = Number(m[1]); d <= Number(m[2] ?? m[1]); d++) out.add(d);
  }
  return [...out].sort();
}

export function parseBand(text: string): BandDef {
  const [name, d, window, bandTariff, ...rest] = text.split('/');
  const times = window?.split('-');
  if (!name || !d || !times || times.length !== 2 || !bandTariff || rest.length > 0)
    throw new UsageError(`band: '${text}' is not NAME/DAYS/HH:MM-HH:MM/BAND_TARIFF`);
  return { name, days: days(d), from: hhmm(times[0]!), to: hhmm(times[1]!), bandTariff };
}

export const formatBand = (b: BandDef): string =>
  `${b.name}/${b.days.join(',')}/${clock(b.from)}-${clock(b.to)}/${b.bandTariff}`;

async function set(argv: string[]): Promise<number> {
  const { values, positionals } = parse('band set', argv, {
    tariff: { type: 'string' },
    zone: { type: 'string' },
  });
  const tariff = required('--tariff', values.tariff);
  const zone = required('--zone', values.zone);
  if (positionals.length === 0) throw new UsageError('band set: give at least one BAND');
  const bands = positionals.map(parseBand);
  return withStore(async (store) => {
    await store.setBands({ tariff, zone, bands }, cliActor());
    out(`bands of ${tariff} (${zone}): ${bands.map(formatBand).join(' ')}\n`);
    return 0;
  });
}

async function clear(argv: string[]): Promise<number> {
  const { values, positionals } = parse('band clear', argv, { tariff: { type: 'string' } });
  noArguments('band clear', positionals);
  const tariff = required('--tariff', values.tariff);
  return withStore(async (store) => {
    await store.setBands({ tariff, zone: 'UTC', bands: [] }, cliActor());
    out(`bands of ${tariff} removed\n`);
    return 0;
  });
}

async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parse('band list', argv, {
    tariff: { type: 'string' },
    json: { type: 'boolean' },
  });
  noArguments('band list', positionals);
  return withStore(async (store) => {
    outList(await store.listBands(values.tariff), {
      asJson: values.json,
      toJson: (t) => ({ tariff: t.tariff, zone: t.zone, bands: t.bands }),
      headers: ['TARIFF', 'ZONE', 'BANDS'],
      toRow: (t) => [t.tariff, t.zone, t.bands.map(formatBand).join(' ')],
    });
    return 0;
  });
}

export async function run(argv: string[]): Promise<number> {
  return runSubcommand('band', usage, { set, clear, list }, argv);
}

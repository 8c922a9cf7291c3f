/**
 * `astbill account caps NAME [--day A] [--month A] [--per-call A] [--per-minute N] [--json]`:
 * shows the account's spend caps, or changes the ones given ('none' clears one).
 */
import type { SpendCaps } from '../rating/index.js';
import { capsFields } from '../caps-fields.js';
import { UsageError } from './command.js';
import { amount, integer, parse } from './args.js';
import { json, jsonMoney, out } from './format.js';
import { withStore } from './open-store.js';
import { cliActor } from './actor.js';

export const capsUsage = `astbill account caps NAME [--day AMOUNT|none] [--month AMOUNT|none] [--per-call AMOUNT|none]
                       [--per-minute N|none] [--low-balance AMOUNT|none] [--large-topup AMOUNT|none]
                       [--burst-spend AMOUNT|none --burst-minutes N|none] [--blocked-dest-per-minute N|none]
                       [--concurrent N|none] [--json]`;

const capsJson = (c: SpendCaps) => capsFields(c, jsonMoney);

function capsText(name: string, c: SpendCaps): string {
  const j = capsJson(c);
  const show = (v: string | number | null, unit: string) => (v === null ? 'none' : `${v}${unit}`);
  return (
    `account ${name} caps: day ${show(j.day, '')}, month ${show(j.month, '')}, ` +
    `per call ${show(j.perCall, '')}, per minute ${show(j.perMinute, ' calls')}; ` +
    `events below ${show(j.lowBalance, '')}, for top-ups from ${show(j.largeTopup, '')}; ` +
    `anomaly stop: more than ${show(j.burstSpend, '')} in ${show(j.burstMinutes, ' min')}, ` +
    `${show(j.blockedDestPerMinute, '')} blocked destinations a minute, ` +
    `more than ${show(j.concurrent, '')} calls at once\n`
  );
}

export async function caps(argv: string[]): Promise<number> {
  const { values, positionals } = parse('account caps', argv, {
    day: { type: 'string' },
    month: { type: 'string' },
    'per-call': { type: 'string' },
    'per-minute': { type: 'string' },
    'low-balance': { type: 'string' },
    'large-topup': { type: 'string' },
    'burst-spend': { type: 'string' },
    'burst-minutes': { type: 'string' },
    'blocked-dest-per-minute': { type: 'string' },
    concurrent: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new UsageError(`usage: ${capsUsage}`);
  const name = positionals[0]!;
  const money = (what: string, v: string | undefined) =>
    v === undefined ? undefined : v === 'none' ? null : amount(what, v, { positive: true });
  const patch: Partial<SpendCaps> = {};
  const day = money('--day', values.day);
  const month = money('--month', values.month);
  const perCall = money('--per-call', values['per-call']);
  const perMinute = values['per-minute'];
  if (day !== undefined) patch.dayMax = day;
  if (month !== undefined) patch.monthMax = month;
  if (perCall !== undefined) patch.callMax = perCall;
  const low = money('--low-balance', values['low-balance']);
  const large = money('--large-topup', values['large-topup']);
  if (low !== undefined) patch.lowBalance = low;
  if (large !== undefined) patch.largeTopup = large;
  const burst = money('--burst-spend', values['burst-spend']);
  if (burst !== undefined) patch.burstSpend = burst;
  const count = (flag: string, v: string | undefined, max: number) =>
    v === undefined ? undefined : v === 'none' ? null : integer(flag, v, 1, max);
  const minutes = count('--burst-minutes', values['burst-minutes'], 1440);
  const probes = count('--blocked-dest-per-minute', values['blocked-dest-per-minute'], 100_000);
  const concurrent = count('--concurrent', values.concurrent, 100_000);
  if (minutes !== undefined) patch.burstMinutes = minutes;
  if (probes !== undefined) patch.blockedDestPerMin = probes;
  if (concurrent !== undefined) patch.concurrentMax = concurrent;
  if (perMinute !== undefined)
    patch.callsPerMin =
      perMinute === 'none' ? null : integer('--per-minute', perMinute, 1, 100_000);
  return withStore(async (store) => {
    const now =
      Object.keys(patch).length > 0
        ? await store.setCaps(name, patch, cliActor())
        : await store.caps(name);
    if (!now) throw new UsageError(`no account '${name}'`);
    out(values.json ? json(capsJson(now)) : capsText(name, now));
    return 0;
  });
}

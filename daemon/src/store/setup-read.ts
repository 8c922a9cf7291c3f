/**
 * Everything a call that names its account and number reads before it authorises, in ONE round
 * trip on MySQL: the account, the number's rate in the account's tariff (deck version in force at
 * `at`, with the tariff's currency), the tariff's time bands with the number's rate in each band tariff (each deck's version
 * at `at`; none for a flat tariff, which so asks nothing more), the account's number rules, and
 * the carrier routing of the number as dialled (trunk candidates, whether any trunk exists, the
 * tariff's plan). The tariff is found by the account's
 * name inside each statement, so none waits for another. These are plain reads: authorise
 * re-checks the money under its lock. The session uses the rules and routing only while the
 * number it rates is the one read here (rules that rewrite it ask again). With `oneTrip` (MySQL)
 * the statements are the hand-written text of setup-read-sql.ts instead of built by knex.
 */
import type { Knex } from 'knex';
import {
  candidatePrefixes,
  longestPrefix,
  type Banding,
  type NumberRule,
  type Rate,
} from '../rating/index.js';
import type { AccountWithRate } from '../session/ports.js';
import type { RouteCandidates } from '../session/routing-ports.js';
import { accountByName, toAccount, type AccountRow } from './accounts.js';
import { bandRowsQuery, bandingOf, bandsFromRows } from './bands.js';
import { readTogether, type OneTrip } from './mysql-client.js';
import { setupReadRows } from './setup-read-sql.js';
import { toDbTime } from './time.js';
import { pickRuleSet, rulesQuery, type RuleRow } from './number-rules.js';
import { toRate, versionAt, type RateRow } from './rates.js';
import { tariffCurrencyColumn } from './fx.js';
import { candidatesQuery, noPlan, toCandidates, toPlan, type PlanRow } from './trunks.js';

export interface SetupRead extends AccountWithRate {
  rules: readonly NumberRule[];
  routing: RouteCandidates;
  banding: Banding | null;
}

export async function setupRead(
  q: Knex,
  name: string,
  number: string,
  at: Date = new Date(),
  oneTrip?: OneTrip,
): Promise<SetupRead | AccountWithRate | undefined> {
  const digits = number.slice(0, 40);
  if (digits.length === 0) {
    const account = await accountByName(q, name);
    return account && { account, rate: undefined };
  }
  const prefixes = candidatePrefixes(digits);
  const [accounts, rates, bandRows, bandRates, rules, candidates, anyTrunk, plans] = (await (oneTrip
    ? setupReadRows(oneTrip, name, prefixes, toDbTime(at))
    : knexRows(q, name, prefixes, at))) as [
    AccountRow[],
    RateRow[],
    unknown[],
    RateRow[],
    RuleRow[],
    Parameters<typeof toCandidates>[0],
    unknown[],
    PlanRow[],
  ];
  const row = accounts[0];
  if (!row) return undefined;
  const best = longestPrefix(rates, digits);
  const rate = best ? toRate(best) : undefined;
  const found = toCandidates(candidates, digits);
  const configured = found.length > 0 || anyTrunk.length > 0;
  const bands = bandsFromRows(bandRows);
  const bandRate = (t: string): Rate | undefined => {
    const r = longestPrefix(
      bandRates.filter((x) => x.tariff === t),
      digits,
    );
    return r && toRate(r);
  };
  return {
    account: toAccount(row),
    rate,
    banding: rate && bands ? bandingOf(bands, rate, bandRate) : null,
    rules: pickRuleSet(rules).rules,
    routing: { configured, plan: configured ? toPlan(plans[0]) : noPlan(), candidates: found },
  };
}

/** The same eight statements built by knex (SQLite; and what the hand-written text must equal). */
export function knexRows(
  q: Knex,
  name: string,
  prefixes: readonly string[],
  at: Date,
): Promise<unknown[][]> {
  const tariff = () => q('astaccount').select('tariff').where({ name });
  return readTogether(q, [
    q('astaccount').where({ name }).limit(1),
    q('astrate')
      .select('astrate.*', tariffCurrencyColumn(q))
      .where('tariff', tariff())
      .where('effective', versionAt(q, tariff(), at))
      .whereIn('prefix', [...prefixes]),
    bandRowsQuery(q, tariff()),
    // The number in every band tariff of the account's tariff, each deck at its version then.
    q('astrate as r')
      .select('r.*')
      .whereIn('r.tariff', bandRowsQuery(q, tariff()).select('band_tariff'))
      .where('r.effective', versionAt(q, q.raw('??', ['r.tariff']), at))
      .whereIn('r.prefix', [...prefixes]),
    rulesQuery(q, name, tariff()),
    candidatesQuery(q, prefixes[0] ?? ''),
    q('asttrunk').select('id').limit(1),
    q('astrouteplan').where('tariff', tariff()).limit(1),
  ]);
}

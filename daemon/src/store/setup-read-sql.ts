/**
 * The set-up read (setup-read.ts) on MySQL/MariaDB as hand-written SQL: the same eight statements
 * knex builds, as text made once per count of candidate prefixes (1..40) and sent through
 * Db.oneTrip. Building them with knex cost the daemon more CPU per call than anything else
 * (profiled: query building and compiling, issue #19). Constants are literals, every value that
 * comes from a call is a placeholder; the rows are those of the knex statements (same columns,
 * same text protocol, so the same types).
 */
import type { OneTrip } from './mysql-client.js';

/** The tariff of the account named by the one placeholder. */
const TARIFF = '(SELECT tariff FROM astaccount WHERE name = ?)';

function statements(prefixes: string): string {
  return [
    'SELECT * FROM astaccount WHERE name = ? LIMIT 1',
    'SELECT astrate.*, (SELECT currency FROM asttariff WHERE asttariff.tariff = astrate.tariff) AS tariff_currency ' +
      `FROM astrate WHERE tariff = ${TARIFF} ` +
      `AND effective = (SELECT MAX(v.effective) FROM astrate AS v WHERE v.tariff = ${TARIFF} AND v.effective <= ?) ` +
      `AND prefix IN ${prefixes}`,
    `SELECT * FROM astband WHERE tariff = ${TARIFF}`,
    // The number in every band tariff of the account's tariff, each deck at its version then.
    `SELECT r.* FROM astrate AS r WHERE r.tariff IN (SELECT band_tariff FROM astband WHERE tariff = ${TARIFF}) ` +
      'AND r.effective = (SELECT MAX(v.effective) FROM astrate AS v WHERE v.tariff = r.tariff AND v.effective <= ?) ' +
      `AND r.prefix IN ${prefixes}`,
    'SELECT scope, owner, position, rule FROM astnumrule WHERE ' +
      `((scope = 'account' AND owner = ?) OR (scope = 'tariff' AND owner = ${TARIFF}) OR (scope = 'default' AND owner = ''))`,
    'SELECT r.*, t.name AS t_name, t.dial AS t_dial, t.strip_digits AS t_strip_digits, ' +
      't.tech_prefix AS t_tech_prefix, t.max_channels AS t_max_channels, t.enabled AS t_enabled ' +
      'FROM asttrunkrate AS r INNER JOIN asttrunk AS t ON t.id = r.trunk_id ' +
      `WHERE t.enabled = 1 AND r.prefix IN ${prefixes}`,
    'SELECT id FROM asttrunk LIMIT 1',
    `SELECT * FROM astrouteplan WHERE tariff = ${TARIFF} LIMIT 1`,
  ].join(';\n');
}

/** Index: how many candidate prefixes (a number has at most 40 digits). */
const TEXTS: string[] = [];

function textFor(count: number): string {
  let text = TEXTS[count];
  if (text === undefined) {
    text = statements(`(${Array.from({ length: count }, () => '?').join(', ')})`);
    TEXTS[count] = text;
  }
  return text;
}

/**
 * The eight results of the set-up read of account `name`, the number's candidate `prefixes`
 * (longest first) and the deck time `at` (database text), in one round trip.
 */
export function setupReadRows(
  oneTrip: OneTrip,
  name: string,
  prefixes: readonly string[],
  at: string,
): Promise<unknown[]> {
  return oneTrip.batch(textFor(prefixes.length), [
    name,
    ...[name, name, at, ...prefixes],
    name,
    ...[name, at, ...prefixes],
    ...[name, name],
    ...prefixes,
    name,
  ]);
}

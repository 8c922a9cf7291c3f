/**
 * authorise in ONE round trip (MySQL/MariaDB): the same transaction as tx/authorise.ts, sent as
 * one guarded multi-statement batch, for the ordinary grant: an active account without spend
 * caps, card, destination rules or grant mode, on a rate in the account's currency, whose money
 * pays for at least one billing block.
 *
 * Why it can skip tx/authorise's locking read: the grant (authorise-figures.ts, the one grant
 * rule) is computed from the account the daemon's set-up read saw (AuthoriseRequest.seen). The
 * batch locks the account row first, as tx/authorise does, and sets @astbill_ok only when every
 * value the grant was computed from is still what the set-up read saw. The checks of other rows
 * (live reservations under max_calls; no caps, card or destination rule row; no CDR of this
 * uniqueid) are a second statement: its consistent read is taken after the lock is held, so it
 * sees every commit of whoever held the lock before (everything that changes an account's
 * reservations takes that lock). Every write is guarded by @astbill_ok, so either all of them run
 * or none does. When the guard fails nothing was written and the caller authorises with
 * tx/authorise, which also answers a repeated uniqueid (its first outcome again). A failing
 * statement stops the batch; the connection is rolled back (mysql-client.ts oneTripOf) and the
 * caller falls back the same way.
 */
import type {
  GrantAuthoriseRequest as AuthoriseRequest,
  GrantAuthoriseResult as AuthoriseResult,
} from '../../session/grant-ports.js';
import { available } from '../accounts.js';
import { grantFigures } from '../authorise-figures.js';
import { holdCallRows } from '../hold-call.js';
import type { OneTrip } from '../mysql-client.js';
import { toDbTime } from '../time.js';

const LOCK = `SELECT (a.name = ? AND a.status <> 'blocked' AND a.balance = ? AND a.reserved = ?
    AND a.credit_limit = ? AND a.currency = ? AND a.max_seconds <=> ?
    AND (? = 0 OR NOT (a.charging_mode <=> 'grant')))
  INTO @astbill_ok
  FROM astaccount a WHERE a.id = ? FOR UPDATE`;

// After LOCK: a separate statement, so that its consistent read is taken with the lock held.
const GUARD = `SELECT (@astbill_ok
    AND (a.max_calls IS NULL OR (SELECT COUNT(*) FROM astcreditres r WHERE r.account_id = a.id) < a.max_calls)
    AND NOT EXISTS (SELECT 1 FROM astcap k WHERE k.account_id = a.id)
    AND NOT EXISTS (SELECT 1 FROM astcard d WHERE d.account_id = a.id)
    AND NOT EXISTS (SELECT 1 FROM astdestrule x
      WHERE (x.scope = 'account' AND x.owner = a.name) OR (x.scope = 'tariff' AND x.owner = a.tariff))
    AND NOT EXISTS (SELECT 1 FROM astcdr c WHERE c.uniqueid = ?))
  INTO @astbill_ok
  FROM astaccount a WHERE a.id = ?`;

/** INSERT … SELECT of one row, written only when the guard held. */
function guardedInsert(table: string, row: Record<string, unknown>): [string, unknown[]] {
  const cols = Object.keys(row);
  const sql = `INSERT INTO ${table} (${cols.map((c) => `\`${c}\``).join(', ')})
    SELECT ${cols.map(() => '?').join(', ')} FROM DUAL WHERE @astbill_ok`;
  return [sql, Object.values(row)];
}

/** The authorise result, or null when this call must be authorised by tx/authorise. */
export async function authoriseOneTrip(
  trip: OneTrip,
  req: AuthoriseRequest,
): Promise<AuthoriseResult | null> {
  const seen = req.seen;
  if (!seen || seen.id !== req.accountId || seen.status === 'blocked') return null;
  // Grant mode and a converted rate need what only the locking read knows (charging, exchange).
  if (req.charging?.mode === 'grant' || req.rate.fx) return null;
  if (req.rate.currency && req.rate.currency !== seen.currency) return null;
  const avail = available(seen);
  const g = grantFigures({
    available: avail,
    capRoom: null,
    longest: seen.maxCallSeconds ?? req.defaultMaxSeconds,
    untilExpiry: null,
    charging: null,
    rate: req.rate,
    start: req.start,
  });
  if (!g.ok) return null; // a refusal is written by tx/authorise
  const { maxSeconds, maxCost } = g;
  const inserts = holdCallRows({
    ...req,
    accountId: seen.id,
    account: seen.name,
    maxSeconds,
    maxCost,
  }).map(([table, row]) => guardedInsert(table, row));
  const sql = [
    'BEGIN',
    'SET @astbill_ok = 0',
    LOCK,
    GUARD,
    ...inserts.map(([s]) => s),
    'UPDATE astaccount SET reserved = reserved + ?, updated = ? WHERE id = ? AND @astbill_ok',
    'SELECT @astbill_ok AS ok',
    'COMMIT',
  ].join(';\n');
  const bindings: unknown[] = [
    // lock
    seen.name,
    seen.balance,
    seen.reserved,
    seen.creditLimit,
    seen.currency,
    seen.maxCallSeconds,
    req.charging ? 1 : 0,
    seen.id,
    // guard
    req.uniqueid,
    seen.id,
    ...inserts.flatMap(([, b]) => b),
    // account
    maxCost,
    toDbTime(new Date()),
    seen.id,
  ];
  let results: unknown[];
  try {
    results = await trip.batch(sql, bindings);
  } catch {
    return null; // rolled back; tx/authorise decides (and re-runs on deadlock)
  }
  const [row] = results[results.length - 2] as { ok: unknown }[];
  if (!row || Number(row.ok) !== 1) return null;
  return { ok: true, maxSeconds, maxCost, available: avail };
}

/**
 * settle in ONE round trip (MySQL/MariaDB): the same transaction as tx/settle.ts, sent as one
 * guarded multi-statement batch, for the ordinary case: a call this daemon authorised, whose end
 * it saw, on a flat rate without exchange, not routed over a trunk, whose charge raises no
 * balance event and meets no burst cap.
 *
 * Why it can skip tx/settle's locking read: the figures (settle-figures.ts, the one settlement
 * rule) are computed from what the daemon remembers of its authorise (SettleRequest.hints). The
 * batch's first statement locks the CDR, account, reservation and cap rows exactly like
 * tx/settle's and sets @astbill_ok only when every remembered value equals the locked row (CDR
 * open, account, held amount, grant, start, answer, rate) and none of the excluded cases
 * applies; every write is guarded by @astbill_ok, so either all of them run or none does.
 * When the guard fails nothing was written (the COMMIT ends an empty transaction, as a ROLLBACK
 * would) and the caller settles with tx/settle, which also answers a second settle of a call
 * (settled already: changes nothing). A failing statement stops the batch; the connection is
 * rolled back (mysql-client.ts oneTripOf) and the caller falls back the same way.
 */
import type { SettleRequest, SettleResult } from '../../session/ports.js';
import { moneyFromDb } from '../../rating/index.js';
import type { OneTrip } from '../mysql-client.js';
import { settleFigures } from '../settle-figures.js';
import { toDbTime } from '../time.js';

const GUARD = `SELECT (c.status = 'open' AND c.account_id = ? AND r.max_cost = ? AND c.max_seconds = ?
    AND c.start = ? AND (? = 0 OR c.answer IS NULL OR c.answer = ?)
    AND c.rate_per_min = ? AND c.connect_fee = ? AND c.initial_secs = ? AND c.increment_secs = ?
    AND c.min_secs = ? AND c.bands IS NULL AND c.fx_rate IS NULL
    AND NOT EXISTS (SELECT 1 FROM astcallattempt t WHERE t.uniqueid = c.uniqueid)
    AND (? = 0 OR NOT (a.balance > 0 AND a.balance - ? <= 0))
    AND (? = 0 OR k.low_balance IS NULL OR NOT (a.balance >= k.low_balance AND a.balance - ? < k.low_balance))
    AND (? = 0 OR k.burst_minutes IS NULL OR k.burst_spend IS NULL)),
  a.balance
  INTO @astbill_ok, @astbill_before
  FROM astcdr c
  JOIN astaccount a ON a.id = c.account_id
  JOIN astcreditres r ON r.uniqueid = c.uniqueid
  LEFT JOIN astcap k ON k.account_id = c.account_id
  WHERE c.uniqueid = ? FOR UPDATE`;

const SQL = [
  'BEGIN',
  'SET @astbill_ok = 0, @astbill_before = NULL',
  GUARD,
  'UPDATE astaccount SET balance = balance - ?, reserved = reserved - ?, updated = ? WHERE id = ? AND @astbill_ok',
  `INSERT INTO astledger (account_id, kind, amount, balance_after, reference, note, created)
    SELECT ?, 'charge', ?, @astbill_before - ?, ?, NULL, ? FROM DUAL WHERE @astbill_ok AND ? > 0`,
  `UPDATE astcdr SET answer = ?, \`end\` = ?, duration = ?, billsec = ?, disposition = ?, hangup_cause = ?,
    cost = ?, status = 'settled', note = ?, end_source = NULL
    WHERE uniqueid = ? AND status = 'open' AND @astbill_ok`,
  'DELETE FROM astcreditres WHERE uniqueid = ? AND @astbill_ok',
  'SELECT @astbill_ok AS ok, @astbill_before AS before_balance',
  'COMMIT',
].join(';\n');

/** The settle result, or null when this call must be settled by tx/settle. */
export async function settleOneTrip(
  trip: OneTrip,
  req: SettleRequest,
): Promise<SettleResult | null> {
  const h = req.hints;
  // An unseen end is billed against the checkpoint, which only the locking read knows.
  if (!h || req.endSource || h.rate.banding || h.rate.fx) return null;
  const answered = req.disposition === 'ANSWERED';
  if (answered && !req.answer) return null;
  // The CDR's answer, when recorded, is guarded equal to req.answer: the same pricing instant.
  const f = settleFigures(req, {
    maxSeconds: h.maxSeconds,
    rate: h.rate,
    answer: req.answer,
    start: h.start,
    checkpoint: 0,
  });
  if (f.bandSplit !== null || f.tariffCost !== null) return null;
  const { cost } = f;
  const charged = cost > 0n ? 1 : 0;
  const answerAt = req.answer ? toDbTime(req.answer) : null;
  const r = h.rate;
  const bindings: unknown[] = [
    // guard
    h.accountId,
    h.maxCost,
    h.maxSeconds,
    toDbTime(h.start),
    answered ? 1 : 0,
    answerAt,
    r.ratePerMin,
    r.connectFee,
    r.initialSecs,
    r.incrementSecs,
    r.minSecs,
    charged,
    cost,
    charged,
    cost,
    charged,
    req.uniqueid,
    // account
    cost,
    h.maxCost,
    toDbTime(new Date()),
    h.accountId,
    // ledger
    h.accountId,
    -cost,
    cost,
    req.uniqueid,
    toDbTime(req.end),
    cost,
    // cdr
    f.answer ? toDbTime(f.answer) : null,
    toDbTime(f.end),
    f.duration,
    f.billsec,
    req.disposition,
    req.hangupCause,
    cost,
    req.note === undefined ? null : req.note.slice(0, 255),
    req.uniqueid,
    // reservation
    req.uniqueid,
  ];
  let results: unknown[];
  try {
    results = await trip.batch(SQL, bindings);
  } catch {
    return null; // rolled back; tx/settle decides (and re-runs on deadlock)
  }
  const [row] = results[results.length - 2] as { ok: unknown; before_balance: unknown }[];
  if (!row || Number(row.ok) !== 1) return null;
  const balanceAfter = moneyFromDb(row.before_balance) - cost;
  return { settled: true, cost, billsec: f.billsec, balanceAfter };
}

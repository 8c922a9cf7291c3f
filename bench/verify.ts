/**
 * The billing audit after a run, over the whole bench database: nothing reserved or open is left,
 * every account's balance is its opening balance minus the cost of its CDRs and equals the sum of
 * its ledger, every charge has exactly one ledger row, every CDR's cost is the tariff's price of
 * its billsec, and every tracked call was billed for the talk time the simulator saw (± 1 s).
 */
import { callCost, moneyFromDb } from '../daemon/src/rating/index.js';
import type { OpenedStore } from '../daemon/src/store/index.js';
import { OPENING_BALANCE } from './bench-db.js';
import type { TrackedCall } from './sim-host.js';

export interface Audit {
  calls: number;
  cdrs: number;
  reservationsLeft: number;
  openCdrs: number;
  /** Accounts whose balance ≠ opening − Σ CDR cost, or ≠ Σ ledger, or whose reserved ≠ 0. */
  accountsWrong: number;
  /** CDRs whose charge is missing, doubled or of another amount in the ledger. */
  ledgerWrong: number;
  /** CDRs whose cost ≠ callCost(rate snapshot, billsec). */
  costWrong: number;
  /** Tracked answered calls whose billsec is off the simulator's talk time by more than 1 s. */
  billsecWrong: number;
  /** Tracked answered calls whose billsec is exactly floor(talk time). */
  billsecExact: number;
  /** Tracked calls with no CDR. */
  missingCdrs: number;
  /** Sum of the above problems: must be 0. */
  misbilled: number;
}

interface CdrAuditRow {
  uniqueid: string;
  disposition: string | null;
  billsec: number | string;
  cost: unknown;
  rate_per_min: unknown;
  connect_fee: unknown;
  initial_secs: number | string | null;
  increment_secs: number | string | null;
  min_secs: number | string | null;
}

const count = async (q: Promise<unknown>): Promise<number> =>
  Number(((await q) as [{ n: unknown }])[0].n);

export async function audit(
  opened: OpenedStore,
  tracked: ReadonlyMap<string, TrackedCall>,
): Promise<Audit> {
  const knex = opened.db.knex;
  const reservationsLeft = await count(knex('astcreditres').count({ n: '*' }));
  const openCdrs = await count(knex('astcdr').whereNot({ status: 'settled' }).count({ n: '*' }));

  const accounts = (await knex.raw(
    `SELECT a.id, a.balance, a.reserved,
            (SELECT COALESCE(SUM(c.cost), 0) FROM astcdr c WHERE c.account_id = a.id) AS cdr_cost,
            (SELECT COALESCE(SUM(l.amount), 0) FROM astledger l WHERE l.account_id = a.id) AS ledger_sum
       FROM astaccount a`,
  )) as [Array<{ balance: unknown; reserved: unknown; cdr_cost: unknown; ledger_sum: unknown }>];
  let accountsWrong = 0;
  for (const a of accounts[0]) {
    const balance = moneyFromDb(a.balance);
    const ok =
      balance === OPENING_BALANCE - moneyFromDb(a.cdr_cost) &&
      balance === moneyFromDb(a.ledger_sum) &&
      moneyFromDb(a.reserved) === 0n;
    if (!ok) accountsWrong += 1;
  }

  const ledgerWrong = await count(
    knex
      .raw(
        `SELECT COUNT(*) AS n FROM astcdr c
         LEFT JOIN (SELECT reference, COUNT(*) AS k, SUM(amount) AS amount FROM astledger WHERE kind = 'charge' GROUP BY reference) l
           ON l.reference = c.uniqueid
        WHERE (c.cost > 0 AND (l.k IS NULL OR l.k <> 1 OR l.amount <> -c.cost)) OR (c.cost = 0 AND l.k IS NOT NULL)`,
      )
      .then((r: [unknown[]]) => r[0]),
  );

  const rows = (await knex('astcdr').select(
    'uniqueid',
    'disposition',
    'billsec',
    'cost',
    'rate_per_min',
    'connect_fee',
    'initial_secs',
    'increment_secs',
    'min_secs',
  )) as CdrAuditRow[];
  const byId = new Map<string, CdrAuditRow>();
  let costWrong = 0;
  for (const r of rows) {
    byId.set(r.uniqueid, r);
    const billsec = Number(r.billsec);
    const expected =
      r.rate_per_min === null
        ? 0n
        : callCost(
            {
              ratePerMin: moneyFromDb(r.rate_per_min),
              connectFee: moneyFromDb(r.connect_fee),
              initialSecs: Number(r.initial_secs),
              incrementSecs: Number(r.increment_secs),
              minSecs: Number(r.min_secs),
            },
            billsec,
          );
    const cost = moneyFromDb(r.cost);
    if (r.disposition === 'ANSWERED' ? cost !== expected : cost !== 0n) costWrong += 1;
  }

  let billsecWrong = 0;
  let billsecExact = 0;
  let missingCdrs = 0;
  for (const [id, call] of tracked) {
    const cdr = byId.get(id);
    if (!cdr) {
      missingCdrs += 1;
      continue;
    }
    if (cdr.disposition !== 'ANSWERED' || call.answeredAt === 0) continue;
    const ends = [call.endedAt, call.bEndedAt].filter((t) => t > 0);
    if (ends.length === 0) continue;
    const talk = Math.floor((Math.min(...ends) - call.answeredAt) / 1000);
    const billsec = Number(cdr.billsec);
    if (billsec === talk) billsecExact += 1;
    else if (Math.abs(billsec - talk) > 1) billsecWrong += 1;
  }

  return {
    calls: tracked.size,
    cdrs: rows.length,
    reservationsLeft,
    openCdrs,
    accountsWrong,
    ledgerWrong,
    costWrong,
    billsecWrong,
    billsecExact,
    missingCdrs,
    misbilled:
      reservationsLeft +
      openCdrs +
      accountsWrong +
      ledgerWrong +
      costWrong +
      billsecWrong +
      missingCdrs,
  };
}

export function describeAudit(a: Audit): string {
  return (
    `  audit: ${a.calls} calls, ${a.cdrs} CDRs; mis-billed ${a.misbilled} ` +
    `(reservations left ${a.reservationsLeft}, open CDRs ${a.openCdrs}, accounts wrong ${a.accountsWrong}, ledger wrong ${a.ledgerWrong}, ` +
    `cost wrong ${a.costWrong}, billsec off >1 s ${a.billsecWrong}, missing CDRs ${a.missingCdrs}); billsec exact ${a.billsecExact}`
  );
}

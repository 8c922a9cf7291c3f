/**
 * The end-of-run invariants of time bands and vouchers (bands-vouchers.ts).
 *
 * Bands: every answered call on the banded `default` tariff costs the pure banded rating
 * (rating/bandedCallCost) of its billsec from its answer, with the bands and prices the run set
 * up, not the ones the CDR kept: a call that lost its banding on the way is caught too. Its
 * band split, when kept, adds up to its cost.
 *
 * Vouchers: in the database, each voucher is credited at most once (one ledger row voucher:<id>),
 * exactly when it is marked used, with its batch's value, to the account it names; no disabled
 * voucher is used. Against the answers: a code is answered `credited` at most once and then used
 * by that account for its value; `used` only after another account's credit, `unknown` only for
 * codes that are no vouchers, `disabled` only for disabled ones; each account's voucher credits
 * are the values of its `credited` answers (a redemption that failed happened not at all).
 */
import {
  bandShares,
  bandedCallCost,
  parseMoney,
  type BandedRate,
} from '../../daemon/src/rating/index.js';
import type { Cdr } from '../../daemon/src/store/cdrs.js';
import type { TestStore } from '../support/db.js';
import { BAND_PRICES, BAND_ZONE, type VoucherPlan } from './bands-vouchers.js';
import type { Violation } from './invariants.js';
import { ROUTED_RATE } from './money-paths.js';
import { RATES } from './workload.js';

const big = (v: unknown): bigint => BigInt(String(v ?? 0).replace(/\.0+$/, ''));
const longest = <T extends { prefix: string }>(xs: readonly T[], dst: string): T | undefined =>
  xs.filter((x) => dst.startsWith(x.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0];

/** The banded rate the run set up for `dst` on `default` (undefined: no base rate for it). */
export function plannedBanding(plan: VoucherPlan, dst: string): BandedRate | undefined {
  const r = longest([...RATES, ROUTED_RATE], dst);
  if (!r) return undefined;
  const base = {
    ratePerMin: parseMoney(r.rate),
    connectFee: parseMoney(r.connect),
    initialSecs: r.initial,
    incrementSecs: r.increment,
    minSecs: 0,
  };
  return {
    zone: BAND_ZONE,
    base,
    bands: plan.bands.map((b) => {
      const prices = BAND_PRICES[b.bandTariff]!;
      const p = longest(
        Object.entries(prices).map(([prefix, v]) => ({ prefix, ...v })),
        dst,
      );
      return {
        name: b.name,
        days: b.days,
        from: b.from,
        to: b.to,
        ratePerMin: p ? parseMoney(p.rate) : base.ratePerMin,
        connectFee: p ? parseMoney(p.connect) : base.connectFee,
      };
    }),
  };
}

/** `cover` counts what was exercised: banded calls that talked, and those across a band edge. */
export async function bandVoucherViolations(
  t: TestStore,
  plan: VoucherPlan,
  cdrs: Map<string, Cdr>,
  cover: (what: string) => void,
): Promise<Violation[]> {
  const out: Violation[] = [];
  const v = (check: string, message: string, call?: string): void =>
    void out.push({ check, message, ...(call ? { call } : {}) });

  for (const c of cdrs.values()) {
    if (c.tariff !== 'default' || !c.answer || c.billsec <= 0) continue;
    const b = plannedBanding(plan, c.dst);
    if (!b) continue;
    const expected = bandedCallCost(b, c.answer.getTime(), c.billsec);
    cover('banded-talked');
    if (bandShares(b, c.answer.getTime(), c.billsec).length > 1) cover('banded-across-edge');
    if (c.cost !== expected)
      v(
        'banded cost = bands × billsec',
        `${c.uniqueid}: ${c.dst} answered ${c.answer.toISOString()} for ${c.billsec} s cost ${c.cost}, expected ${expected}${c.rate?.banding ? '' : ' (the CDR kept no banding)'}`,
        c.uniqueid,
      );
    if (c.bandSplit && c.bandSplit.reduce((s, x) => s + x.cost, 0n) !== c.cost)
      v('the band split adds up to the cost', `${c.uniqueid}: split of ${c.cost}`, c.uniqueid);
  }

  const vouchers = (await t
    .knex('astvoucher as v')
    .join('astbatch as b', 'b.id', 'v.batch_id')
    .select('v.id', 'v.used_at', 'v.account_id', 'b.value', 'b.state')) as Record<
    string,
    unknown
  >[];
  const credits = (await t
    .knex('astledger')
    .where({ kind: 'topup' })
    .where('reference', 'like', 'voucher:%')
    .select('reference', 'amount', 'account_id')) as Record<string, unknown>[];
  const names = new Map(
    ((await t.knex('astaccount').select('id', 'name')) as { id: unknown; name: string }[]).map(
      (a) => [Number(a.id), a.name],
    ),
  );
  const creditedTo = new Map<string, bigint>();
  for (const x of vouchers) {
    const ref = `voucher:${Number(x.id)}`;
    const rows = credits.filter((r) => r.reference === ref);
    const used = x.used_at !== null && x.used_at !== undefined;
    if (rows.length > 1) v('a voucher is credited once', `${ref}: credited ${rows.length} times`);
    if (used !== (rows.length === 1))
      v('a used voucher is credited', `${ref}: used ${used}, ${rows.length} credits`);
    if (used && x.state !== 'active') v('a disabled voucher is never used', `${ref}: used`);
    for (const r of rows) {
      if (big(r.amount) !== big(x.value))
        v('a voucher credits its value', `${ref}: ${big(r.amount)}, worth ${big(x.value)}`);
      if (Number(r.account_id) !== Number(x.account_id))
        v('a voucher credits its account', `${ref}: to ${Number(r.account_id)}`);
      const name = names.get(Number(r.account_id)) ?? '?';
      creditedTo.set(name, (creditedTo.get(name) ?? 0n) + big(r.amount));
    }
  }

  const answered = new Map<string, bigint>();
  const byCode = new Map<string, VoucherPlan['redemptions']>();
  for (const r of plan.redemptions) byCode.set(r.code, [...(byCode.get(r.code) ?? []), r]);
  for (const [code, rs] of byCode) {
    const ok = rs.filter((r) => r.outcome === 'credited');
    const worth = plan.value.get(code);
    const tried = (r: (typeof rs)[number]): string =>
      `${r.account}${r.fault ? ` (${r.fault})` : ''}: ${r.outcome ?? 'no answer'}`;
    const story = `${code}: ${rs.map(tried).join(', ')}`;
    if (rs.some((r) => r.outcome === null)) v('every redemption is answered', story);
    if (ok.length > 1) v('a code is redeemed once', story);
    for (const r of ok) {
      answered.set(r.account, (answered.get(r.account) ?? 0n) + (r.value ?? 0n));
      if (r.value !== worth) v('a redemption credits the voucher value', `${story}; ${r.value}`);
    }
    for (const r of rs) {
      const first = ok[0];
      const wrong =
        (r.outcome === 'retry' && first?.account !== r.account) ||
        (r.outcome === 'used' && (!first || first.account === r.account)) ||
        (r.outcome === 'unknown' && (worth !== undefined || plan.disabled.includes(code))) ||
        (r.outcome === 'disabled' && !plan.disabled.includes(code));
      if (wrong) v('a redemption answers what happened', story);
    }
  }
  const accounts = new Set([...answered.keys(), ...creditedTo.keys()]);
  for (const a of accounts)
    if ((answered.get(a) ?? 0n) !== (creditedTo.get(a) ?? 0n))
      v(
        'an account gets its vouchers once each',
        `${a}: vouchers credited ${creditedTo.get(a) ?? 0n}, answered credited ${answered.get(a) ?? 0n}`,
      );
  return out;
}

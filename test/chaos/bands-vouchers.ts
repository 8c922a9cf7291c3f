/**
 * Two more money paths in the chaos workload (beside money-paths.ts): time bands and vouchers.
 *
 * Time bands: the `default` tariff (every chaos account's) gets bands in Europe/Berlin whose
 * edges fall inside the run: short `peak` and `night` windows from the run's first minutes on, so
 * the calls of the run answer in them and talk across their edges. Their prices come from the
 * band tariffs `peak` and `night`, which carry 4410 and 4411 only: other numbers are priced at
 * the base rate in every band (a band tariff without a rate for the number).
 *
 * Vouchers: two active batches and a disabled one made at set-up. The workload redeems through
 * a live box's operator store (the one the API and the phone flow use, so outages hit it): a
 * right code, a wrong code, a code already redeemed (by the same account: a retry; by another:
 * refused), a disabled code, and one code twice at once (from both boxes when there are two).
 * Now and then the redemption itself meets a database error or a slow answer.
 */
import { localTime, parseMoney, type Band } from '../../daemon/src/rating/index.js';
import type { VoucherRefusal } from '../../daemon/src/session/voucher-ports.js';
import type { KnexBillingStore } from '../../daemon/src/store/knex-store.js';
import type { DbFault } from './store-faults.js';
import type { Rng } from './rng.js';
import type { World } from './world.js';
import type { ChaosAccount, WorkloadKind } from './workload.js';

export const BAND_ZONE = 'Europe/Berlin';

/** The band tariffs' prices per prefix (per minute; fee per call). */
export const BAND_PRICES: Record<string, Record<string, { rate: string; connect: string }>> = {
  peak: { '4410': { rate: '1.20', connect: '0' }, '4411': { rate: '0.90', connect: '0.05' } },
  night: { '4410': { rate: '0.24', connect: '0' }, '4411': { rate: '0.12', connect: '0' } },
};

/** How long after the run's start the band windows go on, and their rhythm (minutes). */
const BAND_SPAN_MIN = 40;

/** The bands of a run starting at `startMs`: peak, gap, night, gap… of 1–3 minutes each. */
export function runBands(rng: Rng, startMs: number): Array<Band & { bandTariff: string }> {
  const { minute } = localTime(BAND_ZONE, startMs);
  const out: Array<Band & { bandTariff: string }> = [];
  let at = minute + rng.int(0, 2);
  for (let i = 0; at < minute + BAND_SPAN_MIN; i++) {
    const len = rng.int(1, 3);
    const from = at % 1440;
    const to = from + len;
    // A window is within one day: one across midnight is left out.
    if (to <= 1440) {
      const tariff = i % 2 === 0 ? 'peak' : 'night';
      const p = BAND_PRICES[tariff]!['4410']!;
      out.push({
        name: `${tariff}${i}`,
        days: [1, 2, 3, 4, 5, 6, 7],
        from,
        to,
        ratePerMin: parseMoney(p.rate),
        bandTariff: tariff,
      });
    }
    at += len + rng.int(0, 2);
  }
  return out;
}

type Outcome = 'credited' | 'retry' | 'error' | VoucherRefusal;

/** One redemption asked for: of which code, for whom, and what it answered (null: no answer yet). */
export interface Redemption {
  code: string;
  account: string;
  outcome: Outcome | null;
  value: bigint | null;
  fault: DbFault | null;
}

export interface VoucherPlan {
  /** Active codes and their value, disabled codes; codes handed out so far. */
  value: Map<string, bigint>;
  disabled: string[];
  fresh: string[];
  redemptions: Redemption[];
  /** The band windows of the run, as set on the default tariff. */
  bands: Array<Band & { bandTariff: string }>;
}

/** The bands on `default`, the band tariffs' rates, the voucher batches. */
export async function seedBandsAndVouchers(
  world: World,
  rng: Rng,
  startMs: number,
): Promise<VoucherPlan> {
  for (const [tariff, prices] of Object.entries(BAND_PRICES))
    for (const [prefix, p] of Object.entries(prices))
      await world.t.seedRate({ tariff, prefix, rate: p.rate, connect: p.connect });
  const bands = runBands(rng, startMs);
  await world.t.store.setBands({
    tariff: 'default',
    zone: BAND_ZONE,
    bands: bands.map((b) => ({
      name: b.name,
      days: [...b.days],
      from: b.from,
      to: b.to,
      bandTariff: b.bandTariff,
    })),
  });
  const plan: VoucherPlan = { value: new Map(), disabled: [], fresh: [], redemptions: [], bands };
  for (const v of ['2.50', '10']) {
    const made = await world.t.store.generateVouchers({
      count: 12,
      value: parseMoney(v),
      operator: 'chaos',
    });
    for (const c of made.codes) plan.value.set(c, parseMoney(v));
    plan.fresh.push(...made.codes);
  }
  const off = await world.t.store.generateVouchers({
    count: 3,
    value: parseMoney('5'),
    operator: 'chaos',
  });
  await world.t.store.disableBatch('voucher', off.batch.id, 'chaos');
  plan.disabled.push(...off.codes);
  return plan;
}

type RedeemWhat = 'right' | 'wrong' | 'again' | 'disabled' | 'twice';

/** Redemptions of the plan's codes, one at a time (or a pair at once), through live boxes. */
export function voucherKind(plan: VoucherPlan): WorkloadKind {
  const redeemed: Redemption[] = [];
  let chain: Promise<void> = Promise.resolve();
  return {
    name: 'voucher',
    weight: 1,
    start(ctx) {
      const up = ctx.world.boxes.map((b, i) => (b.up ? i : -1)).filter((i) => i >= 0);
      if (up.length === 0) return ctx.note('voucher-no-daemon');
      const what = ctx.rng.weighted<RedeemWhat>({
        right: 4,
        wrong: 2,
        again: 2,
        disabled: 1,
        twice: 2,
      });
      const acct: ChaosAccount = ctx.rng.pick(ctx.accounts);
      let code: string;
      let account = acct.name;
      if ((what === 'right' || what === 'twice') && plan.fresh.length > 0)
        code = plan.fresh.splice(ctx.rng.int(0, plan.fresh.length - 1), 1)[0]!;
      else if (what === 'again' && redeemed.length > 0) {
        const first = ctx.rng.pick(redeemed);
        code = first.code;
        if (ctx.rng.chance(0.5)) account = first.account;
      } else if (what === 'disabled') code = ctx.rng.pick(plan.disabled);
      else code = String(ctx.rng.int(10_000_000, 99_999_999)) + String(ctx.rng.int(100000, 999999));
      // Twice: from both boxes when both are up, else twice from the one.
      const one = ctx.rng.pick(up);
      const boxes = what !== 'twice' ? [one] : up.length > 1 ? up : [one, one];
      const fault = ctx.rng.chance(0.25)
        ? ctx.rng.pick<DbFault>(['error', 'slow-before', 'slow-after'])
        : null;
      ctx.note(`voucher-${what}`);
      // Sequential with the other redemptions (their order is the run's, not wall time's);
      // the pair of `twice` at once, as two daemons would meet on one code.
      chain = chain.then(async () => {
        const live = boxes.filter((i) => ctx.world.boxes[i]!.up);
        const calls = live.map((i, n) => {
          const ops = ctx.world.boxes[i]!.ops!;
          const r: Redemption = { code, account, outcome: null, value: null, fault: null };
          if (n === 0 && fault) {
            ops.inject(fault);
            r.fault = fault;
          }
          plan.redemptions.push(r);
          return (ops.store as KnexBillingStore)
            .redeemVoucher(account, code, 'api')
            .then((res) => {
              r.outcome = res.ok ? (res.credited ? 'credited' : 'retry') : res.why;
              r.value = res.ok ? res.value : null;
              if (r.outcome === 'credited') redeemed.push(r);
              ctx.note(`voucher-answer-${r.outcome}`);
            })
            .catch(() => {
              r.outcome = 'error';
              ctx.note('voucher-failed');
            });
        });
        await Promise.all(calls);
      });
      void ctx.world.track(chain);
    },
  };
}

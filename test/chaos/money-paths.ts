/**
 * The newer money paths in the chaos workload: calls routed over several trunks with failover
 * (numbers on 45), spend caps (day and per-call) and destination blocks on some accounts, and
 * payment notices delivered more than once (the POST /payments transaction, topupByReference,
 * called again with one reference, as a provider retrying its webhook does).
 *
 * Trunks are told apart by their tech prefix (`71`, `72`, `73` before the number), and the
 * simulator's far-end rules on those prefixes decide what each trunk does: trunk `t1` is
 * congested for 450… (failover to `t2`), `t2` is busy for 451… (to `t3`). Callbacks (44…) are
 * routed too: each leg goes out on `pstn` like a call, and its CDR is checked like one.
 */
import { callCost, parseMoney, type Rate } from '../../daemon/src/rating/index.js';
import type { FarEndRule } from '../../daemon/src/sim/index.js';
import type { Rng } from './rng.js';
import type { World } from './world.js';
import type { ChaosAccount, WorkloadKind } from './workload.js';

/**
 * The trunks: name, tech prefix, channel limit, the prefix they carry and its buy rate per
 * minute. Once trunks exist every call is routed, so `pstn` (no tech prefix) carries 44.
 */
export const TRUNKS = [
  { name: 't1', tech: '71', maxChannels: 2, carries: '45', buy: '0.10' },
  { name: 't2', tech: '72', maxChannels: 3, carries: '45', buy: '0.20' },
  { name: 't3', tech: '73', maxChannels: null, carries: '45', buy: '0.30' },
  { name: 'pstn', tech: '', maxChannels: null, carries: '44', buy: '0.05' },
] as const;

export const ROUTED_RULES: FarEndRule[] = [
  { prefix: '7145', action: 'answer', answerAfterMs: 1000, hangupAfterMs: 15_000 },
  { prefix: '71450', action: 'congestion', ringMs: 500 },
  { prefix: '7245', action: 'answer', hangupAfterMs: 25_000 },
  { prefix: '72451', action: 'busy', ringMs: 500 },
  { prefix: '7345', action: 'answer', answerAfterMs: 2000, hangupAfterMs: 10_000 },
];

/** The sell rate on 45 (per minute, billed by the second). */
export const ROUTED_RATE = { prefix: '45', rate: '0.90', connect: '0', initial: 1, increment: 1 };

/** Blocked for some accounts (account deny rules): 4415 (congested anyway) and 459. */
export const BLOCKED = ['4415', '459'] as const;

function buyDeck(prefix: string, ratePerMin: string): Rate[] {
  return [
    {
      tariff: '',
      prefix,
      description: '',
      ratePerMin: parseMoney(ratePerMin),
      connectFee: 0n,
      initialSecs: 1,
      incrementSecs: 1,
      minSecs: 0,
    },
  ];
}

/** The buy rate of each trunk, for the invariants. */
export const BUY_RATES = new Map<string, Rate>(
  TRUNKS.map((t) => [t.name, buyDeck(t.carries, t.buy)[0]!]),
);

/** What the money-path invariants need to know about a run. */
export interface MoneyPlan {
  /** Accounts with account deny rules on BLOCKED. */
  blocked: Set<string>;
  /** Payment references issued, with the amount and how many deliveries answered. */
  payments: Map<string, { account: string; amount: bigint; answered: number }>;
}

/** Trunks, buy rates, the 45 sell rate, caps and blocks on some accounts. */
export async function seedMoneyPaths(
  world: World,
  rng: Rng,
  accounts: ChaosAccount[],
): Promise<MoneyPlan> {
  await world.t.seedRate(ROUTED_RATE);
  for (const t of TRUNKS) {
    await world.t.store.addTrunk({
      name: t.name,
      dial: 'Local/{number}@pstn-sim',
      stripDigits: 0,
      techPrefix: t.tech,
      maxChannels: t.maxChannels,
      enabled: true,
    });
    await world.t.store.upsertBuyRates(t.name, buyDeck(t.carries, t.buy));
  }
  const plan: MoneyPlan = { blocked: new Set(), payments: new Map() };
  for (const a of accounts) {
    if (rng.chance(0.25))
      await world.t.store.setCaps(a.name, {
        ...(rng.chance(0.5) ? { dayMax: BigInt(rng.int(20, 200)) * 1000n } : {}),
        ...(rng.chance(0.5) ? { callMax: BigInt(rng.int(5, 60)) * 1000n } : {}),
      });
    if (rng.chance(0.25)) {
      await world.t.store.setDestRules('account', a.name, [...BLOCKED], 'deny');
      plan.blocked.add(a.name);
    }
  }
  return plan;
}

/** Routed calls (45…), some to a blocked prefix (459…). */
export const routed: WorkloadKind = {
  name: 'routed',
  weight: 4,
  start(ctx) {
    const box = ctx.rng.int(0, ctx.world.boxes.length - 1);
    const acct = ctx.rng.pick(ctx.accounts);
    const call = ctx.world.boxes[box]!.sim.placeCall({
      exten: `45${ctx.rng.int(0, 9)}${ctx.rng.int(10000, 99999)}`,
      accountcode: acct.name,
      callerId: '5550100',
    });
    ctx.record({
      id: call.channelId,
      kind: 'routed',
      box,
      account: acct.name,
      placedAt: ctx.world.clock.now(),
    });
  },
};

/** A payment notice delivered one to three times at once (a provider retrying). */
export function paymentKind(plan: MoneyPlan): WorkloadKind {
  let n = 0;
  return {
    name: 'payment',
    weight: 1,
    start(ctx) {
      const acct = ctx.rng.pick(ctx.accounts);
      const amount = BigInt(ctx.rng.int(1, 100)) * 1000n;
      const reference = `payment:chaos-${(n += 1)}`;
      const p = { account: acct.name, amount, answered: 0 };
      plan.payments.set(reference, p);
      // One after the other: concurrent writes beside the daemons' would make the order of
      // their transactions (and so the run) depend on wall time, and the replay differ.
      let chain: Promise<void> = Promise.resolve();
      for (let i = ctx.rng.int(1, 3); i > 0; i--)
        chain = chain.then(() =>
          ctx.world.t.store
            .topupByReference(acct.name, amount, reference)
            .then(() => void (p.answered += 1))
            .catch(() => ctx.note('payment-failed')),
        );
      void ctx.world.track(chain);
    },
  };
}

/** What a routed CDR's buy cost must be: the buy rate of the trunk that carried it. */
export function expectedBuyCost(trunk: string, billsec: number): bigint | null {
  const rate = BUY_RATES.get(trunk);
  return rate ? callCost(rate, billsec) : null;
}

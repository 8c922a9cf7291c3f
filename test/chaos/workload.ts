/**
 * What the callers of a chaos run do. Each kind of traffic is a WorkloadKind: `start` places
 * one item (a call, a callback order, a top-up) chosen with the run's Rng, `onStep` reacts to
 * what happened since the last step (a card call keys its PIN once prompted). A new money path
 * (routing, vouchers, caps, time bands) joins by adding a kind to WORKLOAD.
 */
import type { FarEndRule } from '../../daemon/src/sim/index.js';
import { CallbackRefused } from '../../daemon/src/session/callback-service.js';
import type { Rng } from './rng.js';
import type { World } from './world.js';

/** Far ends by number prefix (the simulator's rules); weights say how often each is dialled. */
export const FAR_ENDS: { rule: FarEndRule; weight: number }[] = [
  { rule: { prefix: '4410', action: 'answer', hangupAfterMs: 20_000 }, weight: 4 },
  {
    rule: { prefix: '4411', action: 'answer', answerAfterMs: 3000, hangupAfterMs: 70_000 },
    weight: 3,
  },
  { rule: { prefix: '4412', action: 'answer' }, weight: 3 },
  {
    rule: { prefix: '4416', action: 'answer', answerAfterMs: 1500, hangupAfterMs: 5000 },
    weight: 2,
  },
  { rule: { prefix: '4413', action: 'busy', ringMs: 2000 }, weight: 1 },
  { rule: { prefix: '4414', action: 'noanswer' }, weight: 1 },
  { rule: { prefix: '4415', action: 'congestion', ringMs: 1000 }, weight: 1 },
];

/** Rates: per second on 44 (talk time shows to the second), 60/6 with a connect fee on 4411. */
export const RATES = [
  { prefix: '44', rate: '0.60', connect: '0', initial: 1, increment: 1 },
  { prefix: '4411', rate: '0.30', connect: '0.02', initial: 60, increment: 6 },
] as const;

export interface ChaosAccount {
  name: string;
  id: number;
  pin: string | null;
}

/** One call attempt the run expects a CDR for (a caller channel, or one leg of a callback). */
export interface Attempt {
  id: string;
  kind: string;
  box: number;
  account: string | null;
  placedAt: number;
  /** The other leg of a callback. */
  peer?: string;
  /** Set when the attempt's channel reached the daemon (or never could: no websocket). */
}

export interface WorkloadContext {
  world: World;
  rng: Rng;
  accounts: ChaosAccount[];
  /** A box whose daemon is up, if any (callbacks need one). */
  liveBox(): number | null;
  record(a: Attempt): void;
  note(kind: string): void;
}

export interface WorkloadKind {
  name: string;
  weight: number;
  start(ctx: WorkloadContext): void;
  onStep?(ctx: WorkloadContext): void;
}

function number(rng: Rng): string {
  const weights = Object.fromEntries(FAR_ENDS.map((f, i) => [String(i), f.weight]));
  const far = FAR_ENDS[Number(rng.weighted(weights))]!;
  return `${far.rule.prefix}${rng.int(100000, 999999)}`;
}

/** The caller hangs up after a while (or waits for the far end or the limit). */
function maybeHangUp(ctx: WorkloadContext, box: number, channelId: string): void {
  if (!ctx.rng.chance(0.5)) return;
  const sim = ctx.world.boxes[box]!.sim;
  ctx.world.clock.setTimer(ctx.rng.int(1, 150) * 1000, () => {
    if (sim.channel(channelId)) sim.hangupCaller(channelId);
  });
}

const direct: WorkloadKind = {
  name: 'direct',
  weight: 10,
  start(ctx) {
    const box = ctx.rng.int(0, ctx.world.boxes.length - 1);
    const acct = ctx.rng.pick(ctx.accounts);
    const sim = ctx.world.boxes[box]!.sim;
    const call = sim.placeCall({
      exten: number(ctx.rng),
      accountcode: acct.name,
      callerId: '5550100',
    });
    ctx.record({
      id: call.channelId,
      kind: 'direct',
      box,
      account: acct.name,
      placedAt: ctx.world.clock.now(),
    });
    maybeHangUp(ctx, box, call.channelId);
  },
};

interface CardCall {
  box: number;
  channelId: string;
  keys: string[];
  prompts: number;
}

/** Card calls: no accountcode, the PIN (right, or wrong three times) and the number keyed at the prompt. */
function cardKind(): WorkloadKind {
  const waiting: CardCall[] = [];
  const prompted = new Map<string, number>();
  const watched = new Set<number>();
  return {
    name: 'card',
    weight: 3,
    start(ctx) {
      const box = ctx.rng.int(0, ctx.world.boxes.length - 1);
      const sim = ctx.world.boxes[box]!.sim;
      if (!watched.has(box)) {
        watched.add(box);
        sim.engine.on(
          'event',
          (s: {
            event: { type: string; playback?: { media_uri: string; target_uri: string } };
          }) => {
            const pb = s.event.playback;
            if (s.event.type !== 'PlaybackStarted' || pb?.media_uri !== 'sound:agent-pass') return;
            const ch = pb.target_uri.replace(/^channel:/, '');
            prompted.set(ch, (prompted.get(ch) ?? 0) + 1);
          },
        );
      }
      const cards = ctx.accounts.filter((a) => a.pin !== null);
      const card = ctx.rng.pick(cards);
      const right = ctx.rng.chance(0.75);
      const dest = number(ctx.rng);
      const call = sim.placeCall({ exten: '8000', peer: 'payphone', callerId: '5550199' });
      const keys = right ? [`${card.pin}#${dest}#`] : ['000#', '111#', '222#'];
      waiting.push({ box, channelId: call.channelId, keys, prompts: 0 });
      ctx.record({
        id: call.channelId,
        kind: right ? 'card' : 'card-badpin',
        box,
        account: right ? card.name : null,
        placedAt: ctx.world.clock.now(),
      });
      maybeHangUp(ctx, box, call.channelId);
    },
    onStep(ctx) {
      for (let i = waiting.length - 1; i >= 0; i--) {
        const c = waiting[i]!;
        const sim = ctx.world.boxes[c.box]!.sim;
        if (!sim.channel(c.channelId) || c.keys.length === 0) {
          waiting.splice(i, 1);
          continue;
        }
        const n = prompted.get(c.channelId) ?? 0;
        if (n > c.prompts) {
          c.prompts = n;
          sim.sendDtmf(c.channelId, c.keys.shift()!, { gapMs: 0 });
        }
      }
    },
  };
}

const callback: WorkloadKind = {
  name: 'callback',
  weight: 2,
  start(ctx) {
    const box = ctx.liveBox();
    if (box === null) return ctx.note('callback-no-daemon');
    const acct = ctx.rng.pick(ctx.accounts);
    const a = number(ctx.rng);
    const b = number(ctx.rng);
    const daemon = ctx.world.boxes[box]!.daemon!;
    const placedAt = ctx.world.clock.now();
    const order = daemon.callbacks.start({
      account: acct.name,
      a,
      b,
      ...(acct.pin ? { pin: acct.pin } : {}),
    });
    void ctx.world
      .track(order)
      .then((started) => {
        ctx.record({
          id: started.legs.a,
          kind: 'callback-a',
          box,
          account: acct.name,
          placedAt,
          peer: started.legs.b,
        });
        ctx.record({
          id: started.legs.b,
          kind: 'callback-b',
          box,
          account: acct.name,
          placedAt,
          peer: started.legs.a,
        });
      })
      .catch((err: unknown) =>
        ctx.note(
          err instanceof CallbackRefused ? `callback-refused-${err.reason}` : 'callback-failed',
        ),
      );
  },
};

const topup: WorkloadKind = {
  name: 'topup',
  weight: 1,
  start(ctx) {
    const acct = ctx.rng.pick(ctx.accounts);
    const amount = BigInt(ctx.rng.int(1, 200)) * 1000n;
    void ctx.world
      .track(ctx.world.t.store.topup(acct.name, amount))
      .catch(() => ctx.note('topup-failed'));
  },
};

/** Every kind of traffic; a run draws from them by weight. */
export function workload(): WorkloadKind[] {
  return [direct, cardKind(), callback, topup];
}

/** The accounts of a run: small and large balances, credit limits, call caps, both charging modes. */
export async function seedAccounts(world: World, rng: Rng, n: number): Promise<ChaosAccount[]> {
  for (const r of RATES) await world.t.seedRate(r);
  const out: ChaosAccount[] = [];
  for (let i = 0; i < n; i++) {
    const small = rng.chance(0.4);
    const pin = rng.chance(0.5)
      ? String(rng.int(100000, 999999)) + String(i).padStart(2, '0')
      : undefined;
    const a = await world.t.seedAccount({
      name: `chaos-${i}`,
      balance: small ? BigInt(rng.int(0, 60)) * 1000n : BigInt(rng.int(5, 500)) * 100_000n,
      ...(rng.chance(0.25) ? { creditLimit: BigInt(rng.int(1, 50)) * 1000n } : {}),
      ...(rng.chance(0.3) ? { maxCalls: rng.int(1, 3) } : {}),
      ...(rng.chance(0.3) ? { maxSeconds: rng.int(10, 200) } : {}),
      ...(pin ? { pin } : {}),
    });
    if (rng.chance(0.4))
      await world.t.store.setCharging(a.name, {
        mode: 'grant',
        grantSeconds: rng.pick([20, 30, 60]),
      });
    out.push({ name: a.name, id: a.id, pin: pin ?? null });
  }
  return out;
}

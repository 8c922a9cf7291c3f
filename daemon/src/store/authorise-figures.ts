/**
 * The grant of an authorise (pure): how long a call may talk and what it reserves, from the money
 * available, the spend caps' room, the longest call and the card's expiry. The one grant rule,
 * shared by tx/authorise.ts (inputs read under its lock) and tx/authorise-one-trip.ts (inputs the
 * set-up read saw, guarded unchanged in SQL), so both reserve exactly the same amounts.
 */
import { minMoney, nextGrantPriced, pricingOf, type Money, type Rate } from '../rating/index.js';
import type { ChargingDefaults, GrantInfo } from '../session/grant-ports.js';

export interface GrantInputs {
  /** balance + credit limit − reserved. */
  available: Money;
  /** The money the spend caps still allow (null: no money cap binds). */
  capRoom: Money | null;
  /** The account's longest call, else the daemon's. */
  longest: number;
  /** Seconds until the card expires (null: not a card, or no expiry). */
  untilExpiry: number | null;
  /** The charging in force for this call (null: single mode). */
  charging: ChargingDefaults | null;
  /** The rate, with its exchange when converted. */
  rate: Rate;
  start: Date;
}

export type GrantFigures =
  | {
      ok: true;
      maxSeconds: number;
      maxCost: Money;
      grant: GrantInfo | null;
      /** What the call may take at most (available, or the caps' room when smaller). */
      money: Money;
    }
  /** 'CAP': the money pays for a block, the caps' room does not (the caller names which cap). */
  | { ok: false; why: 'EXPIRED' | 'NOCREDIT' | 'CAP' };

export function grantFigures(g: GrantInputs): GrantFigures {
  // A card's call ends at its expiry at the latest (talk begins after `start`: never past it).
  const cap = g.untilExpiry === null ? g.longest : Math.min(g.longest, g.untilExpiry);
  const money = g.capRoom === null ? g.available : minMoney(g.available, g.capRoom);
  // A banded rate is priced as if talk began now; tx/answer-banded prices it again from the answer.
  const pricing = pricingOf(g.rate, g.start.getTime());
  let maxSeconds: number;
  let grant: GrantInfo | null = null;
  if (g.charging?.mode === 'grant') {
    const next = nextGrantPriced(g.rate, pricing, {
      granted: 0,
      held: 0n,
      available: money,
      grantSeconds: g.charging.grantSeconds,
      capSeconds: cap,
    });
    maxSeconds = next.total;
    grant = { grantSeconds: g.charging.grantSeconds, final: next.final };
  } else {
    maxSeconds = pricing.maxAffordable(money, cap);
  }
  if (maxSeconds > 0)
    return { ok: true, maxSeconds, maxCost: pricing.cost(maxSeconds), grant, money };
  if (cap < g.longest && pricing.maxAffordable(money, g.longest) > 0)
    return { ok: false, why: 'EXPIRED' };
  const capBinds = g.capRoom !== null && pricing.maxAffordable(g.available, cap) > 0;
  return { ok: false, why: capBinds ? 'CAP' : 'NOCREDIT' };
}

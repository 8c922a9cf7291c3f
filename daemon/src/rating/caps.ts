/**
 * Spend caps of an account (pure, no I/O): how much money a call may still take under them.
 * The store reads the spend under the account lock (store/caps.ts); this only does the sums.
 */
import type { Money } from './money.js';

export type CapReason = 'CAP_DAY' | 'CAP_MONTH' | 'CAP_CALL';

/** null = no cap. Beside them the account's alert thresholds (events, not limits). */
export interface SpendCaps {
  dayMax: Money | null;
  monthMax: Money | null;
  callMax: Money | null;
  callsPerMin: number | null;
  /** An event when a settlement takes the balance below this. */
  lowBalance: Money | null;
  /** An event for a top-up of at least this much. */
  largeTopup: Money | null;
  /** Anomaly stop (store/anomaly.ts): block when calls ended in the last burstMinutes cost more than burstSpend. */
  burstMinutes: number | null;
  burstSpend: Money | null;
  /** Anomaly stop: block when this many calls within 60 s were refused BLOCKEDDEST. */
  blockedDestPerMin: number | null;
  /** Anomaly stop: block when a new call would make more than this many live calls. */
  concurrentMax: number | null;
}

/** What the account has committed: settled call costs of the period plus ALL open reservations. */
export interface Spend {
  day: Money;
  month: Money;
}

export interface CapRoom {
  /** Money one call may still add (≥ 0). */
  room: Money;
  /** The cap that leaves the least room. */
  reason: CapReason;
}

/**
 * The room the money caps leave a call that already holds `held` (0 for a new call; its
 * reservation is part of spend already); null when no money cap is set.
 */
export function capRoom(caps: SpendCaps, spend: Spend, held: Money): CapRoom | null {
  const rooms: CapRoom[] = [];
  if (caps.dayMax !== null) rooms.push({ room: caps.dayMax - spend.day, reason: 'CAP_DAY' });
  if (caps.monthMax !== null)
    rooms.push({ room: caps.monthMax - spend.month, reason: 'CAP_MONTH' });
  if (caps.callMax !== null) rooms.push({ room: caps.callMax - held, reason: 'CAP_CALL' });
  let best: CapRoom | null = null;
  for (const r of rooms) if (!best || r.room < best.room) best = r;
  return best && { room: best.room < 0n ? 0n : best.room, reason: best.reason };
}

/** Midnight UTC of `at`'s day, and the first of its month: where the day and month caps begin. */
export function capPeriods(at: Date): { day: Date; month: Date } {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  return { day: new Date(Date.UTC(y, m, at.getUTCDate())), month: new Date(Date.UTC(y, m, 1)) };
}

/**
 * What an authorise saw of an account's money caps, kept by the daemon to grant a call without
 * the database (resilience/outage-policy.ts): the room the day and month caps left once that
 * call had reserved what it may take, and the call cap; null = no such cap.
 */
export interface CapsSnapshot {
  periodRoom: Money | null;
  callMax: Money | null;
}

export const NO_CAPS_SNAPSHOT: CapsSnapshot = { periodRoom: null, callMax: null };

/** The snapshot before a call (spend as capRoom takes it, the call's reservation not in it). */
export function capsSnapshotOf(caps: SpendCaps, spend: Spend): CapsSnapshot {
  return {
    periodRoom: capRoom({ ...caps, callMax: null }, spend, 0n)?.room ?? null,
    callMax: caps.callMax,
  };
}

/** The snapshot once a call took `taken` more of the period caps' room. */
export function capsSnapshotAfter(s: CapsSnapshot, taken: Money): CapsSnapshot {
  if (s.periodRoom === null) return s;
  const left = s.periodRoom - taken;
  return { ...s, periodRoom: left < 0n ? 0n : left };
}

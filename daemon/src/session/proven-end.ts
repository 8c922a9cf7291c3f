/**
 * The end to bill when one leg's end (`at`) was seen and the other leg was found gone, or its
 * hang-up failed. The call talked only while BOTH legs were up, and the other may have ended
 * unseen during a websocket gap (chaos seed 126): `at` while the link proves the call up until
 * then; else the other leg's own end if its event comes within the hang-up wait (both legs cut
 * at once by their time limits: it is just behind); else the last moment proven up, no earlier
 * than `answer`. Shared by ordinary calls (talk-end.ts) and callbacks (callback-end.ts).
 */
import type { Logger } from '../log.js';
import { deferred, type Deferred } from './call-scope.js';
import { sleep, type DaemonClock } from './clock.js';

/** The leg whose end is awaited while the call ends, and that end once its event came. */
export interface AwaitedEnd {
  channelId: string;
  at: Deferred<Date>;
}

export const awaitEnd = (channelId: string): AwaitedEnd => ({ channelId, at: deferred<Date>() });

export interface ProvenEnd {
  end: Date;
  /** True when the end is the last moment proven up, not a seen end. */
  unseen: boolean;
}

export async function provenEnd(o: {
  at: Date;
  /** The latest moment the link proves the call up (absent: it proves everything). */
  proven: Date | undefined;
  answer: Date;
  /** The other leg's own end (null: it did not come). */
  otherSeen: () => Promise<Date | null>;
  /** Told when the end is the last moment proven up; `other` names the leg that ended unseen. */
  log: Logger;
  other: string;
}): Promise<ProvenEnd> {
  const proven = o.proven ?? o.at;
  if (proven.getTime() >= o.at.getTime()) return { end: o.at, unseen: false };
  const seen = await o.otherSeen();
  if (seen) return { end: seen.getTime() < o.at.getTime() ? seen : o.at, unseen: false };
  const end = proven.getTime() < o.answer.getTime() ? o.answer : proven;
  o.log.warn('the other leg ended unseen; the call is billed to the last moment proven up', {
    other: o.other,
    end: o.at.toISOString(),
    provenUp: end.toISOString(),
  });
  return { end, unseen: true };
}

/** The awaited leg's end event, waited for as long as a hang-up is (null: it did not come). */
export async function endWithin(
  clock: DaemonClock,
  seconds: number,
  awaited: AwaitedEnd,
): Promise<Date | null> {
  const over = new AbortController();
  const timeout = sleep(clock, seconds * 1000, over.signal);
  const seen = await Promise.race([awaited.at.promise, timeout.then(() => null)]);
  over.abort();
  return seen;
}

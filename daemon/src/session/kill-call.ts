/**
 * The ONE way astbill ends a call on its own initiative: the limit timer, housekeeping, the
 * loss of a channel during an ARI outage, the block sweep (a blocked account, block-sweep.ts)
 * and the HTTP API (reason 'operator') all come here. The session hangs up its legs and settles
 * once, exactly as if a party had hung up.
 */
import type { Logger } from '../log.js';
import type { CallControl } from './call-control-port.js';
import { ENDED } from './call-scope.js';
import { sleep, type DaemonClock } from './clock.js';
import type { RegisteredSession, SessionRegistry } from './registry.js';
import type { UnseenEnd } from './unseen-end.js';
import { errorText } from '../error-text.js';

export type KillReason =
  'limit' | 'housekeeping' | 'lost-channel' | 'store-error' | 'shutdown' | 'operator' | 'blocked';

/**
 * `unseen`: the call already ended unseen (its channels vanished); it is settled with this end
 * (session/unseen-end.ts) instead of the one Asterisk reports for the hang-up.
 */
export async function killCall(
  session: RegisteredSession,
  reason: KillReason,
  logger: Logger,
  detail: Record<string, unknown> = {},
  unseen?: UnseenEnd,
): Promise<void> {
  logger.warn('ending call', { channel: session.aChannelId, reason, ...detail });
  await (unseen ? session.kill(reason, unseen) : session.kill(reason));
}

/**
 * Kills the call that holds `uniqueid` or owns channel `id`; false when there is none. With
 * `wait: false` it resolves as soon as the call is found and its ending has begun (the API's
 * hang-up answers 202 at once); failures of the kill are then logged, not thrown.
 */
export async function killCallById(
  registry: SessionRegistry,
  id: string,
  reason: KillReason,
  logger: Logger,
  opts: { wait?: boolean } = {},
): Promise<boolean> {
  const session = registry.byChannelId(id) ?? registry.byUniqueid(id);
  if (!session) return false;
  const killing = killCall(session, reason, logger);
  if (opts.wait ?? true) await killing;
  else
    killing.catch((err: unknown) =>
      logger.error('ending a call failed', {
        channel: session.aChannelId,
        reason,
        error: errorText(err),
      }),
    );
  return true;
}

export interface HangUpAndWait {
  control: Pick<CallControl, 'hangup'>;
  clock: DaemonClock;
  log: Logger;
  reason: KillReason;
  /** The session's setting (default 5 s). */
  hangupWaitSeconds: number | undefined;
  /** The legs to hang up. */
  channels: readonly string[];
  /** Resolves when the session is settled. */
  finished: Promise<void>;
  /** True while the call has not begun to end. */
  stillUp(): boolean;
  /**
   * The latest moment the call is proven up (live-check.ts LivenessBook): during a websocket gap
   * the last stamp, else when the websocket was last heard. Absent: now.
   */
  confirmedUp?(): Date;
  /** Ends the call at `at` (Asterisk's events did not come). */
  endHere(at: Date): Promise<void>;
  what: string;
}

/**
 * The kill path of a connected call: hang up its legs and let Asterisk's events end it with
 * Asterisk's own timestamps; if they do not come within `hangupWaitSeconds`, end it here, at
 * the moment the hang-up was sent (the legs were cut then) or, while a websocket gap leaves the
 * call unproven, the last moment it was proven up (it may have ended unseen before). Then
 * wait (bounded: a caller of the kill path, such as shutdown, must not hang on one call) for
 * the settlement.
 */
export async function hangUpAndWait(o: HangUpAndWait): Promise<void> {
  const sentAt = o.clock.now();
  const upTo = o.confirmedUp?.() ?? sentAt;
  const endAt = upTo.getTime() < sentAt.getTime() ? upTo : sentAt;
  await Promise.allSettled(o.channels.map((c) => o.control.hangup(c, 'normal')));
  const waitMs = (o.hangupWaitSeconds ?? 5) * 1000;
  const settled = new AbortController();
  void o.finished.then(() => settled.abort(ENDED));
  if (o.stillUp()) await sleep(o.clock, waitMs, settled.signal);
  if (o.stillUp()) {
    o.log.warn(`no hangup event from Asterisk; ending the ${o.what} with the daemon clock`, {
      reason: o.reason,
    });
    await o.endHere(endAt);
  }
  await boundedWait(o.finished, o.clock, o.hangupWaitSeconds);
}

/** Waits for `finished`, at most twice the hang-up wait. */
export async function boundedWait(
  finished: Promise<void>,
  clock: DaemonClock,
  hangupWaitSeconds: number | undefined,
): Promise<void> {
  const over = new AbortController();
  await Promise.race([
    finished.then(() => over.abort(ENDED)),
    sleep(clock, 2 * (hangupWaitSeconds ?? 5) * 1000, over.signal),
  ]);
}

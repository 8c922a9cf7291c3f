/**
 * The ONE way astbill ends a call on its own initiative: the limit timer, housekeeping, the
 * loss of a channel during an ARI outage and the HTTP API (reason 'operator') all come here. The session
 * hangs up its legs and settles once, exactly as if a party had hung up.
 */
import type { Logger } from '../log.js';
import type { RegisteredSession, SessionRegistry } from './registry.js';
import type { UnseenEnd } from './unseen-end.js';

export type KillReason =
  'limit' | 'housekeeping' | 'lost-channel' | 'store-error' | 'shutdown' | 'operator';

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
        error: err instanceof Error ? err.message : String(err),
      }),
    );
  return true;
}

/**
 * Our own leftovers of ended calls: bridges and channels whose ids carry this node's prefix, from
 * an earlier run, that no live session holds (e.g. after a SIGKILL). Asterisk keeps the app
 * inactive while it owns any, so reconciliation deletes them.
 */
import type { Logger } from '../log.js';
import type { BridgeSummary, CallControl } from './call-control-port.js';
import { errorText } from './call-scope.js';
import type { IdFactory } from './ids.js';
import type { RegisteredSession, SessionRegistry } from './registry.js';

export interface LeftoverDeps {
  control: Pick<CallControl, 'hangup' | 'destroyBridge'>;
  ids: Pick<IdFactory, 'isOurs' | 'isThisRun'>;
  registry: SessionRegistry<RegisteredSession>;
  logger: Logger;
}

/** Deletes the leftovers among `bridges` and `channels` (skipping bridges in `done`); says what it deleted. */
export async function deleteLeftovers(
  deps: LeftoverDeps,
  bridges: BridgeSummary[],
  channels: Map<string, string>,
  done: readonly string[],
): Promise<{ bridges: string[]; channels: string[] }> {
  const { control, logger, ids, registry } = deps;
  const deleted = { bridges: [] as string[], channels: [] as string[] };
  for (const b of bridges) {
    if (!ids.isOurs(b.id) || ids.isThisRun(b.id) || done.includes(b.id)) continue;
    if (b.channels.some((c) => registry.byChannelId(c))) continue; // an adopted call's bridge
    deleted.bridges.push(b.id);
    logger.warn('deleting a leftover bridge', { bridge: b.id, channels: b.channels });
    await control
      .destroyBridge(b.id)
      .catch((err: unknown) =>
        logger.warn('could not delete a leftover bridge', { bridge: b.id, error: errorText(err) }),
      );
  }
  for (const id of channels.keys()) {
    if (!ids.isOurs(id) || ids.isThisRun(id) || registry.byChannelId(id)) continue;
    deleted.channels.push(id);
    logger.warn('hanging up a leftover channel', { channel: id });
    await control
      .hangup(id, 'normal')
      .catch((err: unknown) =>
        logger.warn('could not hang up a leftover channel', { channel: id, error: errorText(err) }),
      );
  }
  return deleted;
}

/**
 * Calls the router turns away (shutdown, overload) are hung up there; here each gets its FAILED
 * SHUTDOWN/OVERLOAD CDR. The writes are tracked so that close() awaits them before the store
 * closes.
 */
import type { Logger } from '../log.js';
import type { CallOffered } from './call-events.js';
import { namesDestination } from './call-session.js';
import { errorText } from './call-scope.js';
import type { BillingStore } from './ports.js';

export class TurnedAway {
  private readonly writes = new Set<Promise<void>>();

  constructor(
    private readonly node: string,
    private readonly logger: Logger,
  ) {}

  record(
    store: BillingStore | null,
    offered: CallOffered,
    reason: 'SHUTDOWN' | 'OVERLOAD' = 'SHUTDOWN',
  ): void {
    if (!store) return;
    const write: Promise<void> = store
      .recordRefusal({
        uniqueid: offered.channelId,
        accountId: null,
        src: offered.callerNumber,
        dst: namesDestination(offered.dialled) ? offered.dialled : '',
        reason,
        node: this.node,
        start: offered.at,
      })
      .catch((err: unknown) => {
        this.logger.error('could not record a call turned away at shutdown', {
          channel: offered.channelId,
          error: errorText(err),
        });
      });
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  /** Resolves when every refusal CDR started so far is written (or failed). */
  async written(): Promise<void> {
    await Promise.allSettled([...this.writes]);
  }
}

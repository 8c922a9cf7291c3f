/** An outbox event as the API and `astbill events --json` show it: times as ISO text. */
import type { OutboxEvent } from '../store/outbox.js';

export function eventJson(e: OutboxEvent) {
  return {
    id: e.id,
    key: e.key,
    kind: e.kind,
    state: e.state,
    attempts: e.attempts,
    nextAt: e.nextAt.toISOString(),
    lastError: e.lastError,
    created: e.created.toISOString(),
    sentAt: e.sentAt?.toISOString() ?? null,
    payload: e.payload,
  };
}

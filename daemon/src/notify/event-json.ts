/**
 * An outbox event as the API and `astbill events --json` show it (times as ISO text), and its
 * schema (GET /events in /openapi.json). The kinds are store/outbox.ts EVENT_KINDS:
 *   cap_hit, low_balance, credit_exhausted, large_topup  (money transactions, see docs)
 *   account.auto_blocked  the anomaly stop blocked the account (store/anomaly.ts)
 *   card.expired          a calling card was refused EXPIRED (emitted by the card flow)
 */
import { Nullable, StringEnum, Type, type Static } from '../schema/index.js';
import { CHANNELS, EVENT_KINDS, type OutboxEvent } from '../store/outbox.js';

export const eventSchema = Type.Object(
  {
    id: Type.Integer(),
    key: Type.String({ description: 'the Idempotency-Key the webhook carries' }),
    kind: StringEnum(EVENT_KINDS),
    channel: StringEnum(CHANNELS, { description: 'webhook or mail: each has its own attempts' }),
    state: StringEnum(['pending', 'sent', 'dead'] as const),
    attempts: Type.Integer(),
    nextAt: Type.String(),
    lastError: Nullable(Type.String()),
    created: Type.String(),
    sentAt: Nullable(Type.String()),
    payload: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);

export type EventJson = Static<typeof eventSchema>;

export function eventJson(e: OutboxEvent): EventJson {
  return {
    id: e.id,
    key: e.key,
    kind: e.kind,
    channel: e.channel,
    state: e.state,
    attempts: e.attempts,
    nextAt: e.nextAt.toISOString(),
    lastError: e.lastError,
    created: e.created.toISOString(),
    sentAt: e.sentAt?.toISOString() ?? null,
    payload: e.payload,
  };
}

/** /events: the notification outbox (written by the money transactions, sent as webhooks). */
import { StringEnum, Type } from '../../schema/index.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../http-error.js';
import { defineRoute, type Route } from '../route.js';
import { eventJson, eventSchema } from '../../notify/event-json.js';
import { CHANNELS } from '../../store/outbox.js';

export function eventRoutes(deps: ApiDeps): Route[] {
  const { store } = deps;
  return [
    defineRoute({
      method: 'GET',
      path: '/events',
      operationId: 'listEvents',
      summary: 'Notification events, newest first',
      tag: 'accounts',
      query: Type.Object({
        state: Type.Optional(StringEnum(['pending', 'sent', 'dead'] as const)),
        account: Type.Optional(Type.String({ maxLength: 80 })),
        channel: Type.Optional(StringEnum(CHANNELS)),
      }),
      responses: {
        200: {
          description: 'the events',
          schema: Type.Object({ events: Type.Array(eventSchema) }),
        },
      },
      async handler({ query }) {
        const events = await store.listEvents({
          ...(query.state ? { state: query.state } : {}),
          ...(query.account ? { account: query.account } : {}),
          ...(query.channel ? { channel: query.channel } : {}),
        });
        return {
          json: {
            events: events.map(eventJson),
          },
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/events/{id}/resend',
      operationId: 'resendEvent',
      summary: 'Make a sent or dead event due again (its attempts reset)',
      tag: 'accounts',
      params: { id: Type.String({ pattern: '^\\d{1,15}$' }) },
      responses: {
        200: {
          description: 'queued',
          schema: Type.Object({ id: Type.Integer(), state: Type.String() }),
        },
      },
      async handler({ params, principal }) {
        const id = Number(params.id);
        if (!(await store.resendEvent(id, principal.actor))) throw notFound(`no event ${id}`);
        return { json: { id, state: 'pending' } };
      },
    }),
  ];
}

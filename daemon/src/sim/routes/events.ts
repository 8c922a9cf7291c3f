/** ARI `events` resource: the websocket (served by the upgrade handler in server.ts) and the event models. */
import { eventDeclarationModels } from '../declaration-models.js';
import type { ResourceSpec } from './types.js';

export const eventsResource: ResourceSpec = {
  name: 'events',
  description: 'WebSocket resource',
  models: eventDeclarationModels(),
  routes: [
    {
      path: '/events',
      method: 'GET',
      nickname: 'eventWebsocket',
      summary: 'WebSocket connection for events.',
      responseClass: 'Message',
      upgrade: 'websocket',
      params: [
        {
          name: 'app',
          paramType: 'query',
          dataType: 'string',
          required: true,
          allowMultiple: true,
        },
        {
          name: 'subscribeAll',
          paramType: 'query',
          dataType: 'boolean',
          required: false,
          allowMultiple: false,
        },
      ],
    },
  ],
};

/** ARI `events` resource: the websocket (served by the upgrade handler in server.ts) and the event models. */
import { eventDeclarationModels } from '../declaration-models.js';
import { queryParam, type ResourceSpec } from './types.js';

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
        queryParam('app', 'string', { required: true, allowMultiple: true }),
        queryParam('subscribeAll', 'boolean'),
      ],
    },
  ],
};

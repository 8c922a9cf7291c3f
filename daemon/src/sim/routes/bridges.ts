/** ARI `bridges` resource: mixing bridges created, filled, emptied and destroyed by the app. */
import { BRIDGE_MODELS } from '../declaration-models.js';
import { addChannels, createBridge, destroyBridge, removeChannels } from '../bridges.js';
import { AriError } from '../errors.js';
import type { SimChannel } from '../model.js';
import {
  bodyParam,
  noContent,
  ok,
  pathParam,
  queryParam,
  type ResourceSpec,
  type RouteContext,
} from './types.js';

const bridgeId = pathParam('bridgeId');
const q = queryParam;
const variables = bodyParam('variables', 'containers');

/** The `channel` list of addChannel/removeChannel; an unknown id is a 400, as in Asterisk. */
function channelsOf(ctx: RouteContext): SimChannel[] {
  const ids = ctx.params.list('channel');
  if (ids.length === 0) throw AriError.badRequest('Missing parameter channel');
  return ids.map((id) => {
    const ch = ctx.sim.channels.get(id);
    if (!ch || ch.ending) throw AriError.badRequest('Channel not found');
    return ch;
  });
}

function create(ctx: RouteContext, id: string | undefined) {
  const b = createBridge(ctx.sim, {
    bridgeId: id,
    type: ctx.params.str('type'),
    name: ctx.params.str('name'),
  });
  return ok(ctx.sim.bridgeJson(b));
}

export const bridgesResource: ResourceSpec = {
  name: 'bridges',
  description: 'Bridge resources',
  models: BRIDGE_MODELS,
  routes: [
    {
      path: '/bridges',
      method: 'GET',
      nickname: 'list',
      summary: 'List all active bridges.',
      responseClass: 'List[Bridge]',
      params: [],
      handler: (ctx) => ok([...ctx.sim.bridges.values()].map((b) => ctx.sim.bridgeJson(b))),
    },
    {
      path: '/bridges',
      method: 'POST',
      nickname: 'create',
      summary: 'Create a bridge.',
      responseClass: 'Bridge',
      params: [q('type'), q('bridgeId'), q('name'), variables],
      errors: [[409, 'Bridge with the same bridgeId already exists']],
      handler: (ctx) => create(ctx, ctx.params.str('bridgeId')),
    },
    {
      path: '/bridges/{bridgeId}',
      method: 'POST',
      nickname: 'createWithId',
      summary: 'Create a bridge with a caller-chosen id.',
      responseClass: 'Bridge',
      params: [q('type'), bridgeId, q('name'), variables],
      errors: [[409, 'Bridge with the same bridgeId already exists']],
      handler: (ctx) => create(ctx, ctx.params.required('bridgeId')),
    },
    {
      path: '/bridges/{bridgeId}',
      method: 'GET',
      nickname: 'get',
      summary: 'Bridge details.',
      responseClass: 'Bridge',
      params: [bridgeId],
      errors: [[404, 'Bridge not found']],
      handler: (ctx) => ok(ctx.sim.bridgeJson(ctx.sim.bridge(ctx.params.required('bridgeId')))),
    },
    {
      path: '/bridges/{bridgeId}',
      method: 'DELETE',
      nickname: 'destroy',
      summary: 'Shut down a bridge (channels in it stay up).',
      responseClass: 'void',
      params: [bridgeId],
      errors: [[404, 'Bridge not found']],
      handler: (ctx) => {
        destroyBridge(ctx.sim, ctx.sim.bridge(ctx.params.required('bridgeId')));
        return noContent;
      },
    },
    {
      path: '/bridges/{bridgeId}/addChannel',
      method: 'POST',
      nickname: 'addChannel',
      summary: 'Add channels to a bridge.',
      responseClass: 'void',
      params: [
        bridgeId,
        q('channel', 'string', { required: true, allowMultiple: true }),
        q('role'),
        q('absorbDTMF', 'boolean', { defaultValue: false }),
        q('mute', 'boolean', { defaultValue: false }),
        q('inhibitConnectedLineUpdates', 'boolean', { defaultValue: false }),
      ],
      errors: [
        [400, 'Channel not found'],
        [404, 'Bridge not found'],
        [409, 'Bridge not in Stasis application'],
        [422, 'Channel not in Stasis application'],
      ],
      handler: (ctx) => {
        const b = ctx.sim.bridge(ctx.params.required('bridgeId'));
        addChannels(ctx.sim, b, channelsOf(ctx));
        return noContent;
      },
    },
    {
      path: '/bridges/{bridgeId}/removeChannel',
      method: 'POST',
      nickname: 'removeChannel',
      summary: 'Remove channels from a bridge.',
      responseClass: 'void',
      params: [bridgeId, q('channel', 'string', { required: true, allowMultiple: true })],
      errors: [
        [400, 'Channel not found'],
        [404, 'Bridge not found'],
        [409, 'Bridge not in Stasis application'],
        [422, 'Channel not in this bridge'],
      ],
      handler: (ctx) => {
        const b = ctx.sim.bridge(ctx.params.required('bridgeId'));
        removeChannels(ctx.sim, b, channelsOf(ctx));
        return noContent;
      },
    },
  ],
};

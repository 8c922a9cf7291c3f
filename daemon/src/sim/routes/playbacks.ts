/** ARI `playbacks` resource: read and stop playbacks started on channels. */
import { PLAYBACK_MODELS } from '../declaration-models.js';
import { stop } from '../playbacks.js';
import { AriError } from '../errors.js';
import { noContent, ok, pathParam, type ResourceSpec, type RouteContext } from './types.js';

const playbackId = pathParam('playbackId');

function find(ctx: RouteContext) {
  const pb = ctx.sim.playbacks.get(ctx.params.required('playbackId'));
  if (!pb) throw AriError.notFound('Playback');
  return pb;
}

export const playbacksResource: ResourceSpec = {
  name: 'playbacks',
  description: 'Playback control resources',
  models: PLAYBACK_MODELS,
  routes: [
    {
      path: '/playbacks/{playbackId}',
      method: 'GET',
      nickname: 'get',
      summary: 'Playback details.',
      responseClass: 'Playback',
      params: [playbackId],
      errors: [[404, 'The playback cannot be found']],
      handler: (ctx) => ok(ctx.sim.playbackJson(find(ctx))),
    },
    {
      path: '/playbacks/{playbackId}',
      method: 'DELETE',
      nickname: 'stop',
      summary: 'Stop a playback.',
      responseClass: 'void',
      params: [playbackId],
      errors: [[404, 'The playback cannot be found']],
      handler: (ctx) => {
        stop(ctx.sim, find(ctx));
        return noContent;
      },
    },
  ],
};

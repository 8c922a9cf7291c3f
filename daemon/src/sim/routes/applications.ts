/** ARI `applications` resource: list apps, and subscribe an app to channels or bridges. */
import { APPLICATION_MODELS } from '../declaration-models.js';
import { subscribe, unsubscribe } from '../channels.js';
import { AriError } from '../errors.js';
import type { SimEngine } from '../engine.js';
import { ok, pathParam, queryParam, type ResourceSpec, type RouteContext } from './types.js';

const applicationName = pathParam('applicationName');
const eventSource = queryParam('eventSource', 'string', { required: true, allowMultiple: true });

function appOf(ctx: RouteContext) {
  const app = ctx.sim.apps.get(ctx.params.required('applicationName'));
  if (!app) throw AriError.notFound('Application');
  return app;
}

function resolve(sim: SimEngine, source: string) {
  const colon = source.indexOf(':');
  const scheme = source.slice(0, colon);
  const id = source.slice(colon + 1);
  if (colon < 0 || !['channel', 'bridge', 'endpoint', 'deviceState'].includes(scheme)) {
    throw AriError.badRequest('Invalid event source URI scheme');
  }
  if (scheme === 'channel') {
    const ch = sim.channels.get(id);
    if (!ch || ch.ending) throw AriError.unprocessable('Event source does not exist');
    return { kind: 'channel' as const, ch };
  }
  if (scheme === 'bridge') {
    const b = sim.bridges.get(id);
    if (!b) throw AriError.unprocessable('Event source does not exist');
    return { kind: 'bridge' as const, b };
  }
  throw AriError.unprocessable('Event source does not exist');
}

function change(ctx: RouteContext, add: boolean) {
  const app = appOf(ctx);
  const sources = ctx.params.list('eventSource');
  if (sources.length === 0) throw AriError.badRequest('Missing parameter eventSource');
  const targets = sources.map((s) => resolve(ctx.sim, s));
  for (const t of targets) {
    if (t.kind === 'channel') {
      if (add) subscribe(ctx.sim, app.name, t.ch);
      else unsubscribe(ctx.sim, app.name, t.ch);
    } else if (add) {
      t.b.subscribers.add(app.name);
      ctx.sim.apps.trackBridge(app.name, t.b.id);
    } else {
      t.b.subscribers.delete(app.name);
      ctx.sim.apps.untrackBridge(app.name, t.b.id);
    }
  }
  const current = ctx.sim.apps.get(app.name);
  return ok(ctx.sim.apps.toJson(current ?? app));
}

export const applicationsResource: ResourceSpec = {
  name: 'applications',
  description: 'Stasis application resources',
  models: APPLICATION_MODELS,
  routes: [
    {
      path: '/applications',
      method: 'GET',
      nickname: 'list',
      summary: 'List all applications.',
      responseClass: 'List[Application]',
      params: [],
      handler: (ctx) => ok(ctx.sim.apps.list().map((a) => ctx.sim.apps.toJson(a))),
    },
    {
      path: '/applications/{applicationName}',
      method: 'GET',
      nickname: 'get',
      summary: 'Application details.',
      responseClass: 'Application',
      params: [applicationName],
      errors: [[404, 'Application does not exist.']],
      handler: (ctx) => ok(ctx.sim.apps.toJson(appOf(ctx))),
    },
    {
      path: '/applications/{applicationName}/subscription',
      method: 'POST',
      nickname: 'subscribe',
      summary: 'Subscribe an application to event sources.',
      responseClass: 'Application',
      params: [applicationName, eventSource],
      errors: [
        [400, 'Missing parameter.'],
        [404, 'Application does not exist.'],
        [422, 'Event source does not exist.'],
      ],
      handler: (ctx) => change(ctx, true),
    },
    {
      path: '/applications/{applicationName}/subscription',
      method: 'DELETE',
      nickname: 'unsubscribe',
      summary: 'Unsubscribe an application from event sources.',
      responseClass: 'Application',
      params: [applicationName, eventSource],
      errors: [
        [400, 'Missing parameter; event source scheme not recognized.'],
        [404, 'Application does not exist.'],
        [409, 'Application not subscribed to event source.'],
        [422, 'Event source does not exist.'],
      ],
      handler: (ctx) => change(ctx, false),
    },
  ],
};

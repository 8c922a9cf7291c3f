/** ARI `asterisk` resource: system information and ping (a cheap liveness check for the daemon). */
import { asteriskTime } from '../clock.js';
import { ASTERISK_MODELS } from '../declaration-models.js';
import { ok, queryParam, type ResourceSpec } from './types.js';

/** The Asterisk version the simulator stands in for. */
export const SIMULATED_VERSION = '22.10.1';

export const asteriskResource: ResourceSpec = {
  name: 'asterisk',
  description: 'Asterisk resources',
  models: ASTERISK_MODELS,
  routes: [
    {
      path: '/asterisk/info',
      method: 'GET',
      nickname: 'getInfo',
      summary: 'Asterisk system information.',
      responseClass: 'AsteriskInfo',
      params: [
        queryParam('only', 'string', {
          allowMultiple: true,
          allowableValues: ['build', 'system', 'config', 'status'],
        }),
      ],
      handler: (ctx) => {
        const started = asteriskTime(ctx.sim.startedAt);
        const all: Record<string, unknown> = {
          build: {
            os: 'Linux',
            kernel: '',
            options: 'astbill-sim',
            machine: process.arch,
            date: '',
            user: 'astbill',
          },
          system: { version: SIMULATED_VERSION, entity_id: ctx.sim.asteriskId },
          config: { name: '', default_language: 'en', setid: { user: '', group: '' } },
          status: { startup_time: started, last_reload_time: started },
        };
        const only = ctx.params.list('only');
        if (only.length === 0) return ok(all);
        return ok(Object.fromEntries(Object.entries(all).filter(([k]) => only.includes(k))));
      },
    },
    {
      path: '/asterisk/ping',
      method: 'GET',
      nickname: 'ping',
      summary: 'Response pong message.',
      responseClass: 'AsteriskPing',
      params: [],
      handler: (ctx) =>
        ok({
          asterisk_id: ctx.sim.asteriskId,
          ping: 'pong',
          timestamp: asteriskTime(ctx.sim.clock.now()),
        }),
    },
  ],
};

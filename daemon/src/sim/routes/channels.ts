/** ARI `channels` resource: the operations billing uses, with Asterisk's parameter names and errors. */
import type { SimEngine } from '../engine.js';
import type { SimChannel } from '../model.js';
import { CHANNEL_MODELS } from '../declaration-models.js';
import { originate, type OriginateParams } from '../dialer.js';
import { appHangup, continueInDialplan } from '../hangups.js';
import { answer } from '../callers.js';
import { play, pump } from '../playbacks.js';
import { getVariable, setVariable } from '../variables.js';
import { HANGUP_REASONS } from '../causes.js';
import { AriError } from '../errors.js';
import {
  bodyParam,
  noContent,
  pathParam,
  queryParam,
  ok,
  type ParamSpec,
  type Reply,
  type ResourceSpec,
  type RouteContext,
  type RouteSpec,
} from './types.js';

const channelId = pathParam('channelId');
const q = queryParam;

const ORIGINATE_PARAMS: ParamSpec[] = [
  q('endpoint', 'string', { required: true }),
  q('extension'),
  q('context'),
  q('priority', 'long'),
  q('label'),
  q('app'),
  q('appArgs'),
  q('callerId'),
  q('timeout', 'int', { defaultValue: 30 }),
  bodyParam('variables', 'containers'),
  q('channelId'),
  q('otherChannelId'),
  q('originator'),
  q('formats'),
];

function inStasis(ch: SimChannel): SimChannel {
  if (!ch.stasisApp) throw AriError.conflict('Channel not in Stasis application');
  return ch;
}

function target(ctx: RouteContext): SimChannel {
  return ctx.sim.channel(ctx.params.required('channelId'));
}

function doOriginate(ctx: RouteContext, idFromPath?: string): Reply {
  const p = ctx.params;
  const raw = ctx.body?.variables;
  const variables: Record<string, string> = {};
  if (raw !== undefined) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw AriError.badRequest('Invalid variables: expected an object');
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) variables[k] = String(v);
  }
  const app = p.str('app');
  const extension = p.str('extension');
  if (!app && !extension) throw AriError.badRequest('Application or extension must be specified');
  const params: OriginateParams = {
    endpoint: p.str('endpoint') ?? '',
    app,
    appArgs: p.str('appArgs'),
    context: p.str('context'),
    extension,
    callerId: p.str('callerId'),
    timeout: p.int('timeout'),
    variables,
    channelId: idFromPath ?? p.str('channelId'),
    otherChannelId: p.str('otherChannelId'),
    originator: p.str('originator'),
  };
  if (params.endpoint === '') throw AriError.badRequest('Endpoint must be specified');
  return ok(originate(ctx.sim, params).snapshot);
}

function hangupCause(ctx: RouteContext): number {
  const reason = ctx.params.str('reason');
  const code = ctx.params.str('reason_code');
  if (reason !== undefined && code !== undefined)
    throw AriError.badRequest("The reason and reason_code can't both be specified");
  if (code !== undefined) {
    if (!/^\d+$/.test(code))
      throw AriError.badRequest('Invalid reason for hangup reason code provided');
    return Number(code);
  }
  if (reason !== undefined) {
    const cause = HANGUP_REASONS[reason];
    if (cause === undefined) throw AriError.badRequest('Invalid reason for hangup reason provided');
    return cause;
  }
  return 16;
}

function doPlay(ctx: RouteContext, playbackId: string | undefined): Reply {
  const sim: SimEngine = ctx.sim;
  const ch = target(ctx);
  const pb = play(sim, ch, ctx.params.list('media'), { playbackId, lang: ctx.params.str('lang') });
  const snapshot = sim.playbackJson(pb);
  pump(sim, ch);
  return { status: 201, body: snapshot };
}

/** Operations accepted for compatibility that change nothing the billing flow can observe. */
function noop(
  path: string,
  method: 'POST' | 'DELETE',
  nickname: string,
  summary: string,
  extra: ParamSpec[] = [],
): RouteSpec {
  return {
    path,
    method,
    nickname,
    summary,
    responseClass: 'void',
    params: [channelId, ...extra],
    errors: [
      [404, 'Channel not found'],
      [409, 'Channel not in a Stasis application'],
    ],
    handler: (ctx) => {
      inStasis(target(ctx));
      return noContent;
    },
  };
}

export const channelsResource: ResourceSpec = {
  name: 'channels',
  description: 'Channel resources',
  models: CHANNEL_MODELS,
  routes: [
    {
      path: '/channels',
      method: 'GET',
      nickname: 'list',
      summary: 'List all active channels.',
      responseClass: 'List[Channel]',
      params: [],
      handler: (ctx) =>
        ok(
          [...ctx.sim.channels.values()]
            .filter((c) => !c.ending)
            .map((c) => ctx.sim.channelJson(c)),
        ),
    },
    {
      path: '/channels',
      method: 'POST',
      nickname: 'originate',
      summary: 'Create a channel and dial it (originate).',
      responseClass: 'Channel',
      params: ORIGINATE_PARAMS,
      errors: [
        [400, 'Invalid parameters for originating a channel.'],
        [409, 'Channel with given unique ID already exists.'],
      ],
      handler: (ctx) => doOriginate(ctx),
    },
    {
      path: '/channels/{channelId}',
      method: 'GET',
      nickname: 'get',
      summary: 'Channel details.',
      responseClass: 'Channel',
      params: [channelId],
      errors: [[404, 'Channel not found']],
      handler: (ctx) => ok(ctx.sim.channelJson(target(ctx))),
    },
    {
      path: '/channels/{channelId}',
      method: 'POST',
      nickname: 'originateWithId',
      summary: 'Originate with a caller-chosen channel id.',
      responseClass: 'Channel',
      params: [channelId, ...ORIGINATE_PARAMS.filter((p) => p.name !== 'channelId')],
      errors: [
        [400, 'Invalid parameters for originating a channel.'],
        [409, 'Channel with given unique ID already exists.'],
      ],
      handler: (ctx) => doOriginate(ctx, ctx.params.required('channelId')),
    },
    {
      path: '/channels/{channelId}',
      method: 'DELETE',
      nickname: 'hangup',
      summary: 'Hang up a channel.',
      responseClass: 'void',
      params: [
        channelId,
        q('reason_code'),
        q('reason', 'string', {
          allowableValues: Object.keys(HANGUP_REASONS),
        }),
      ],
      errors: [
        [400, 'Invalid reason for hangup provided'],
        [404, 'Channel not found'],
      ],
      handler: (ctx) => {
        const ch = target(ctx);
        appHangup(ctx.sim, ch, hangupCause(ctx));
        return noContent;
      },
    },
    {
      path: '/channels/{channelId}/continue',
      method: 'POST',
      nickname: 'continueInDialplan',
      summary: 'Leave Stasis and continue in the dialplan.',
      responseClass: 'void',
      params: [channelId, q('context'), q('extension'), q('priority', 'int'), q('label')],
      errors: [
        [404, 'Channel not found'],
        [409, 'Channel not in a Stasis application'],
      ],
      handler: (ctx) => {
        continueInDialplan(ctx.sim, inStasis(target(ctx)));
        return noContent;
      },
    },
    {
      path: '/channels/{channelId}/answer',
      method: 'POST',
      nickname: 'answer',
      summary: 'Answer a channel.',
      responseClass: 'void',
      params: [channelId],
      errors: [
        [404, 'Channel not found'],
        [409, 'Channel not in a Stasis application'],
      ],
      handler: (ctx) => {
        answer(ctx.sim, inStasis(target(ctx)));
        return noContent;
      },
    },
    noop('/channels/{channelId}/ring', 'POST', 'ring', 'Indicate ringing to a channel.'),
    noop(
      '/channels/{channelId}/ring',
      'DELETE',
      'ringStop',
      'Stop ringing indication on a channel.',
    ),
    noop('/channels/{channelId}/progress', 'POST', 'progress', 'Indicate progress to a channel.'),
    noop('/channels/{channelId}/dtmf', 'POST', 'sendDTMF', 'Send DTMF to a channel.', [
      q('dtmf'),
      q('before', 'int'),
      q('between', 'int', { defaultValue: 100 }),
      q('duration', 'int', { defaultValue: 100 }),
      q('after', 'int'),
    ]),
    noop('/channels/{channelId}/moh', 'POST', 'startMoh', 'Play music on hold to a channel.', [
      q('mohClass'),
    ]),
    noop('/channels/{channelId}/moh', 'DELETE', 'stopMoh', 'Stop music on hold.'),
    noop('/channels/{channelId}/silence', 'POST', 'startSilence', 'Play silence to a channel.'),
    noop('/channels/{channelId}/silence', 'DELETE', 'stopSilence', 'Stop playing silence.'),
    noop('/channels/{channelId}/mute', 'POST', 'mute', 'Mute a channel.', [
      q('direction', 'string', { defaultValue: 'both' }),
    ]),
    noop('/channels/{channelId}/mute', 'DELETE', 'unmute', 'Unmute a channel.', [
      q('direction', 'string', { defaultValue: 'both' }),
    ]),
    {
      path: '/channels/{channelId}/play',
      method: 'POST',
      nickname: 'play',
      summary: 'Play media to a channel.',
      responseClass: 'Playback',
      params: [
        channelId,
        q('media', 'string', { required: true, allowMultiple: true }),
        q('lang'),
        q('offsetms', 'int'),
        q('skipms', 'int', { defaultValue: 3000 }),
        q('playbackId'),
      ],
      errors: [
        [404, 'Channel not found'],
        [409, 'Channel not in a Stasis application'],
      ],
      handler: (ctx) => doPlay(ctx, ctx.params.str('playbackId')),
    },
    {
      path: '/channels/{channelId}/play/{playbackId}',
      method: 'POST',
      nickname: 'playWithId',
      summary: 'Play media to a channel with a caller-chosen playback id.',
      responseClass: 'Playback',
      params: [
        channelId,
        pathParam('playbackId'),
        q('media', 'string', { required: true, allowMultiple: true }),
        q('lang'),
        q('offsetms', 'int'),
        q('skipms', 'int', { defaultValue: 3000 }),
      ],
      errors: [
        [404, 'Channel not found'],
        [409, 'Channel not in a Stasis application'],
      ],
      handler: (ctx) => doPlay(ctx, ctx.params.required('playbackId')),
    },
    {
      path: '/channels/{channelId}/variable',
      method: 'GET',
      nickname: 'getChannelVar',
      summary: 'Read a channel variable or function.',
      responseClass: 'Variable',
      params: [channelId, q('variable', 'string', { required: true })],
      errors: [
        [400, 'Missing variable parameter.'],
        [404, 'Channel or variable not found.'],
        [409, 'Channel not in a Stasis application'],
      ],
      handler: (ctx) => {
        const ch = target(ctx);
        const name = ctx.params.str('variable');
        if (name === undefined) throw AriError.badRequest('Variable name is required');
        return ok({ value: getVariable(ctx.sim, ch, name) });
      },
    },
    {
      path: '/channels/{channelId}/variable',
      method: 'POST',
      nickname: 'setChannelVar',
      summary: 'Set a channel variable or function (TIMEOUT(absolute) sets the hard limit).',
      responseClass: 'void',
      params: [
        channelId,
        q('variable', 'string', { required: true }),
        q('value'),
        q('report_events', 'boolean', { defaultValue: false }),
      ],
      errors: [
        [400, 'Missing variable parameter.'],
        [404, 'Channel not found'],
        [409, 'Channel not in a Stasis application'],
      ],
      handler: (ctx) => {
        const ch = target(ctx);
        const name = ctx.params.str('variable');
        if (name === undefined) throw AriError.badRequest('Variable name is required');
        setVariable(ctx.sim, ch, name, ctx.params.str('value') ?? '');
        return noContent;
      },
    },
  ],
};

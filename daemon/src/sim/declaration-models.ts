/**
 * The models of the API declarations the simulator serves, written from the simulator's own
 * payload shapes; field names and types follow ARI (Asterisk 22) so that generated clients match.
 */
import type { ModelSpec } from './routes/types.js';

const CHANNEL_STATES = [
  'Down',
  'Rsrved',
  'OffHook',
  'Dialing',
  'Ring',
  'Ringing',
  'Up',
  'Busy',
  'Dialing Offhook',
  'Pre-ring',
  'Unknown',
];

export const CHANNEL_MODELS: Record<string, ModelSpec> = {
  CallerID: {
    description: 'Caller identification',
    properties: {
      name: { type: 'string', required: true },
      number: { type: 'string', required: true },
    },
  },
  DialplanCEP: {
    description: 'Dialplan location',
    properties: {
      context: { type: 'string', required: true },
      exten: { type: 'string', required: true },
      priority: { type: 'long', required: true },
      app_name: { type: 'string', required: true },
      app_data: { type: 'string', required: true },
    },
  },
  Channel: {
    description: 'A channel',
    properties: {
      id: { type: 'string', required: true },
      protocol_id: { type: 'string', required: true },
      name: { type: 'string', required: true },
      state: { type: 'string', required: true, allowableValues: CHANNEL_STATES },
      caller: { type: 'CallerID', required: true },
      connected: { type: 'CallerID', required: true },
      accountcode: { type: 'string', required: true },
      dialplan: { type: 'DialplanCEP', required: true },
      creationtime: { type: 'Date', required: true },
      language: { type: 'string', required: true },
      channelvars: { type: 'object', required: false },
      caller_rdnis: { type: 'string' },
      tenantid: { type: 'string', required: false },
    },
  },
  Variable: {
    description: 'A variable value',
    properties: { value: { type: 'string', required: true } },
  },
};

export const BRIDGE_MODELS: Record<string, ModelSpec> = {
  Bridge: {
    description: 'A bridge',
    properties: {
      id: { type: 'string', required: true },
      technology: { type: 'string', required: true },
      bridge_type: { type: 'string', required: true, allowableValues: ['mixing', 'holding'] },
      bridge_class: { type: 'string', required: true },
      creator: { type: 'string', required: true },
      name: { type: 'string', required: true },
      channels: { type: 'List[string]', required: true },
      video_mode: { type: 'string', required: false },
      video_source_id: { type: 'string', required: false },
      creationtime: { type: 'Date', required: true },
      bridgevars: { type: 'object', required: false },
    },
  },
};

export const PLAYBACK_MODELS: Record<string, ModelSpec> = {
  Playback: {
    description: 'Media playing to a channel',
    properties: {
      id: { type: 'string', required: true },
      media_uri: { type: 'string', required: true },
      next_media_uri: { type: 'string', required: false },
      target_uri: { type: 'string', required: true },
      language: { type: 'string' },
      state: {
        type: 'string',
        required: true,
        allowableValues: ['queued', 'playing', 'continuing', 'done', 'failed'],
      },
    },
  },
};

export const APPLICATION_MODELS: Record<string, ModelSpec> = {
  Application: {
    description: 'A Stasis application',
    properties: {
      name: { type: 'string', required: true },
      channel_ids: { type: 'List[string]', required: true },
      bridge_ids: { type: 'List[string]', required: true },
      endpoint_ids: { type: 'List[string]', required: true },
      device_names: { type: 'List[string]', required: true },
      events_allowed: { type: 'List[object]', required: true },
      events_disallowed: { type: 'List[object]', required: true },
    },
  },
};

export const ASTERISK_MODELS: Record<string, ModelSpec> = {
  BuildInfo: {
    properties: {
      os: { type: 'string', required: true },
      kernel: { type: 'string', required: true },
      options: { type: 'string', required: true },
      machine: { type: 'string', required: true },
      date: { type: 'string', required: true },
      user: { type: 'string', required: true },
    },
  },
  SystemInfo: {
    properties: {
      version: { type: 'string', required: true },
      entity_id: { type: 'string', required: true },
    },
  },
  SetId: {
    properties: {
      user: { type: 'string', required: true },
      group: { type: 'string', required: true },
    },
  },
  ConfigInfo: {
    properties: {
      name: { type: 'string', required: true },
      default_language: { type: 'string', required: true },
      max_channels: { type: 'int', required: false },
      max_open_files: { type: 'int', required: false },
      max_load: { type: 'double', required: false },
      setid: { type: 'SetId', required: true },
    },
  },
  StatusInfo: {
    properties: {
      startup_time: { type: 'Date', required: true },
      last_reload_time: { type: 'Date', required: true },
    },
  },
  AsteriskInfo: {
    description: 'Asterisk system information',
    properties: {
      build: { type: 'BuildInfo', required: false },
      system: { type: 'SystemInfo', required: false },
      config: { type: 'ConfigInfo', required: false },
      status: { type: 'StatusInfo', required: false },
    },
  },
  AsteriskPing: {
    properties: {
      asterisk_id: { type: 'string', required: true },
      ping: { type: 'string', required: true },
      timestamp: { type: 'string', required: true },
    },
  },
  Variable: CHANNEL_MODELS.Variable!,
};

/**
 * Every event the simulator can send, with its own fields (the base `Event`/`Message` fields are
 * inherited). ari-client looks each incoming `type` up here and crashes on a missing one, so the
 * simulator never publishes a type that is not in this table (checked in the test suite).
 */
export const EVENT_MODELS: Record<string, Record<string, { type: string; required?: boolean }>> = {
  StasisStart: {
    args: { type: 'List[string]', required: true },
    channel: { type: 'Channel', required: true },
    replace_channel: { type: 'Channel', required: false },
  },
  StasisEnd: { channel: { type: 'Channel', required: true } },
  ChannelCreated: { channel: { type: 'Channel', required: true } },
  ChannelStateChange: { channel: { type: 'Channel', required: true } },
  ChannelDtmfReceived: {
    digit: { type: 'string', required: true },
    duration_ms: { type: 'int', required: true },
    channel: { type: 'Channel', required: true },
  },
  ChannelHangupRequest: {
    cause: { type: 'int' },
    tech_cause: { type: 'int' },
    soft: { type: 'boolean' },
    channel: { type: 'Channel', required: true },
  },
  ChannelDestroyed: {
    cause: { type: 'int', required: true },
    cause_txt: { type: 'string', required: true },
    tech_cause: { type: 'int' },
    channel: { type: 'Channel', required: true },
  },
  ChannelVarset: {
    variable: { type: 'string', required: true },
    value: { type: 'string', required: true },
    channel: { type: 'Channel', required: false },
  },
  ChannelDialplan: {
    channel: { type: 'Channel', required: true },
    dialplan_app: { type: 'string', required: true },
    dialplan_app_data: { type: 'string', required: true },
  },
  ChannelConnectedLine: {
    channel: { type: 'Channel', required: true },
  },
  ChannelCallerId: {
    caller_presentation: { type: 'int', required: true },
    caller_presentation_txt: { type: 'string', required: true },
    channel: { type: 'Channel', required: true },
  },
  Dial: {
    caller: { type: 'Channel', required: false },
    peer: { type: 'Channel', required: true },
    forward: { type: 'string', required: false },
    forwarded: { type: 'Channel', required: false },
    dialstring: { type: 'string', required: false },
    dialstatus: { type: 'string', required: true },
  },
  ChannelEnteredBridge: {
    bridge: { type: 'Bridge', required: true },
    channel: { type: 'Channel' },
  },
  ChannelLeftBridge: {
    bridge: { type: 'Bridge', required: true },
    channel: { type: 'Channel', required: true },
  },
  BridgeCreated: { bridge: { type: 'Bridge', required: true } },
  BridgeDestroyed: { bridge: { type: 'Bridge', required: true } },
  PlaybackStarted: { playback: { type: 'Playback', required: true } },
  PlaybackContinuing: { playback: { type: 'Playback', required: true } },
  PlaybackFinished: { playback: { type: 'Playback', required: true } },
  ApplicationReplaced: {},
};

export function eventDeclarationModels(): Record<string, ModelSpec> {
  const names = Object.keys(EVENT_MODELS);
  const models: Record<string, ModelSpec> = {
    Message: {
      description: 'Base type of everything sent on the websocket',
      discriminator: 'type',
      properties: {
        type: { type: 'string', required: true },
        asterisk_id: { type: 'string', required: false },
      },
      subTypes: ['Event'],
    },
    Event: {
      description: 'Base type of asynchronous events',
      properties: {
        application: { type: 'string', required: true },
        timestamp: { type: 'Date', required: true },
      },
      subTypes: names,
    },
  };
  for (const name of names) models[name] = { properties: { ...EVENT_MODELS[name] } };
  return models;
}

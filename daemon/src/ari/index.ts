/**
 * The ari layer's front: one object that owns the ARI connection, the event translator and the
 * CallControl implementation. The daemon gets typed CallEvents and a CallControl; nothing
 * outside this folder imports ari-client.
 */
import type { Logger } from '../log.js';
import type { CallEvent } from '../session/call-events.js';
import type { CallControl } from '../session/call-control-port.js';
import { AriCallControl } from './call-control.js';
import { AriConnection, type AriConnectionOptions } from './connection.js';
import { AriEventTranslator } from './events.js';
import { errorText } from '../error-text.js';

export interface AriSwitchOptions {
  url: string;
  username: string;
  password: string;
  app: string;
  logger: Logger;
  newPlaybackId: () => string;
  /** Language of every prompt (ARI play `lang`, e.g. `fr`); unset: the channel's own language. */
  language?: string | null;
  onEvent: (ev: CallEvent) => void;
  /** Told of every REST request while it is in flight. */
  track?: AriConnectionOptions['track'];
  /** After every (re)connection; `reconnected` is false the first time. */
  onConnected?: (reconnected: boolean) => void;
  /** The websocket was lost; it proved it delivered until `silentMs` before now. */
  onDisconnected?: (why: string, silentMs: number) => void;
  timing?: Pick<
    AriConnectionOptions,
    'connectTimeoutMs' | 'requestTimeoutMs' | 'pingIntervalMs' | 'backoffBaseMs' | 'backoffMaxMs'
  >;
}

export interface AriSwitch {
  readonly control: CallControl;
  readonly connected: boolean;
  start(): void;
  /** True once connected, false when `ms` passed first. */
  waitConnected(ms: number): Promise<boolean>;
  close(): Promise<void>;
  /** Internals for leak checks in tests (and the chaos simulation's quiescence). */
  stats(): {
    rememberedLegs: number;
    pendingPlaybacks: number;
    requestsInFlight: number;
    eventsReceived: number;
  };
}

export function createAriSwitch(opts: AriSwitchOptions): AriSwitch {
  const { logger } = opts;
  const translator = new AriEventTranslator((message, detail) => logger.warn(message, detail));
  // Assigned right after the connection it needs; events only arrive once start() runs.
  // eslint-disable-next-line prefer-const -- the connection's callbacks close over it before it is built
  let control: AriCallControl;
  const conn = new AriConnection({
    url: opts.url,
    username: opts.username,
    password: opts.password,
    app: opts.app,
    logger,
    ...opts.timing,
    ...(opts.track ? { track: opts.track } : {}),
    onEvent: (raw) => {
      for (const ev of translator.translate(raw)) {
        control.observe(ev);
        try {
          opts.onEvent(ev);
        } catch (err) {
          logger.error('call event handler failed', {
            event: ev.kind,
            error: errorText(err),
          });
        }
      }
    },
    onConnected: (reconnected) => opts.onConnected?.(reconnected),
    onDisconnected: (why, silentMs) => {
      control.connectionLost();
      opts.onDisconnected?.(why, silentMs);
    },
  });
  control = new AriCallControl(
    conn,
    translator,
    opts.app,
    opts.newPlaybackId,
    opts.language ?? null,
  );
  return {
    control,
    get connected() {
      return conn.connected;
    },
    start: () => conn.start(),
    waitConnected: (ms) => conn.waitConnected(ms),
    close: () => conn.close(),
    stats: () => ({
      rememberedLegs: translator.rememberedLegs,
      pendingPlaybacks: control.pendingPlaybacks,
      requestsInFlight: conn.requestsInFlight,
      eventsReceived: conn.eventsReceived,
    }),
  };
}

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
import { AriEventTranslator, parseAriTime } from './events.js';
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
  /** The websocket was found lost; it proves nothing after it was last heard (`onProven`). */
  onDisconnected?: (why: string) => void;
  /**
   * The websocket delivered every event up to `at`: each parsed frame's timestamp (Asterisk's
   * clock) and each answered watchdog ping's send time (read from `now`).
   */
  onProven?: (at: Date) => void;
  /** The clock ping send times are read from (the daemon's view of Asterisk's); default wall clock. */
  now?: () => Date;
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
    ...(opts.now ? { now: opts.now } : {}),
    onPong: (sentAt) => opts.onProven?.(sentAt),
    onEvent: (raw) => {
      // Frames arrive in order: this one's moment proves none before it was lost.
      const at = parseAriTime((raw as { timestamp?: unknown } | null)?.timestamp);
      if (at) opts.onProven?.(at);
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
    onDisconnected: (why) => {
      control.connectionLost();
      opts.onDisconnected?.(why);
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

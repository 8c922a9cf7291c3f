/**
 * What the ARI connection does to ari-client's private state (docs/architecture.md, "Facts about
 * ari-client"): it takes the REST base from the loaded declarations, replaces the websocket
 * message handler with one that parses each message once and skips unknown event types, and
 * detaches a client for good. Everything here reaches into ari-client 2.2.0 internals.
 */
import type { Client } from 'ari-client';
import type { Logger } from '../log.js';
import { IGNORED_EVENT_TYPES } from './events.js';

/** The parts of ari-client's private state the connection has to reach. */
export interface ClientInternals {
  _ws?: WsLike;
  _wsClosed?: boolean;
  _swagger?: {
    apis?: Record<string, { basePath?: string; models?: Record<string, unknown> } | undefined>;
  };
}

export interface WsLike {
  listeners(event: string): Array<(...args: unknown[]) => void>;
  removeAllListeners(event: string): void;
  on(event: string, fn: (...args: unknown[]) => void): void;
  prependListener(event: string, fn: (...args: unknown[]) => void): void;
  close(): void;
  terminate?: () => void;
}

export function internalsOf(client: Client): ClientInternals {
  return client as unknown as ClientInternals;
}

const GUARDED = Symbol('astbill.guarded');
/**
 * Frames dropped before parsing: the types the translator ignores (events.ts; ChannelVarset alone
 * is more than half of what a SIP call sends), except ApplicationReplaced, which the connection
 * reads. Inside a JSON string a quote is escaped, so only a `type` member matches; and only one
 * before the first nested object counts (channelvars, bridgevars and userevent objects may hold a
 * variable called `type`): a frame whose own `type` comes later is simply parsed.
 */
const UNPARSED = new Set([...IGNORED_EVENT_TYPES].filter((t) => t !== 'ApplicationReplaced'));
const TYPE_MEMBER = /"type"\s*:\s*"(\w+)"/;

/** True when the frame's own type is one no one reads. */
function unread(frame: string): boolean {
  const m = TYPE_MEMBER.exec(frame);
  if (!m || !UNPARSED.has(m[1]!)) return false;
  const nested = frame.indexOf('{', 1);
  return nested === -1 || nested > m.index;
}
/** The ARI operations astbill sends (resource → operations), checked against the declarations at connect. */
const USED_OPERATIONS: Record<string, string[]> = {
  channels: ['answer', 'ring', 'play', 'originate', 'setChannelVar', 'hangup', 'list'],
  bridges: ['create', 'addChannel', 'destroy', 'list'],
  playbacks: ['stop'],
};

/** The REST base path from the loaded declarations; logs what astbill sends that they do not offer. */
export function restBase(client: Client, url: string, logger: Logger): string {
  const apis = internalsOf(client)._swagger?.apis ?? {};
  const basePath = apis['channels']?.basePath ?? `${url.replace(/\/+$/, '')}/ari`;
  const byResource = client as unknown as Record<string, Record<string, unknown> | undefined>;
  const missing: string[] = [];
  for (const [resource, ops] of Object.entries(USED_OPERATIONS)) {
    for (const op of ops)
      if (typeof byResource[resource]?.[op] !== 'function') missing.push(`${resource}.${op}`);
  }
  if (missing.length > 0)
    logger.error('the ARI declarations lack operations astbill uses', { missing, basePath });
  return basePath;
}

/**
 * Replaces ari-client's websocket message handler with ours: each message is parsed once and
 * delivered as plain JSON (a frame of a type no one reads is dropped unparsed). An event type absent from the declarations' models (which would
 * make ari-client's handler throw a TypeError out of the websocket) is logged and skipped.
 * `heard` is told of every message, dropped ones too (the websocket proved it delivers).
 */
export function guardMessages(
  client: Client,
  logger: Logger,
  heard: () => void,
  deliver: (event: { type?: unknown }) => void,
): void {
  const internals = internalsOf(client);
  const ws = internals._ws as (WsLike & { [GUARDED]?: boolean }) | undefined;
  if (!ws || ws[GUARDED]) return;
  ws[GUARDED] = true;
  const models = internals._swagger?.apis?.['events']?.models ?? {};
  const known = new Set(Object.keys(models));
  ws.removeAllListeners('message');
  ws.on('message', (data: unknown) => {
    heard();
    if (typeof data === 'string' && unread(data)) return;
    let event: { type?: unknown };
    try {
      event = JSON.parse(String(data)) as { type?: unknown };
    } catch {
      logger.warn('ignored an ARI websocket message that is not JSON');
      return;
    }
    const type = event?.type;
    if (typeof type !== 'string' || !known.has(type)) {
      logger.warn('ignored an ARI event of a type the client has no model for', {
        type: String(type),
      });
      return;
    }
    deliver(event);
  });
}

/** Detaches a client for good, including the reconnect ari-client may already have scheduled. */
export function disposeClient(client: Client): void {
  const internals = internalsOf(client);
  (client as unknown as NodeJS.EventEmitter).removeAllListeners();
  internals._wsClosed = true;
  // ari-client may have scheduled its own reconnect: close whatever socket that opens.
  client.on('WebSocketConnected', () => {
    internals._wsClosed = true;
    try {
      internals._ws?.close();
    } catch {
      // already closed
    }
  });
  try {
    const ws = internals._ws;
    if (ws) (ws.terminate ?? ws.close).call(ws);
  } catch {
    // already closed
  }
}

/**
 * Hands each CallEvent to the session it belongs to: a new call offered → a new session; any
 * other event → the session bound to its channel. A leg of ours that answers with no session
 * to talk to (a leftover) is hung up. After an ARI outage, sessions whose channels vanished
 * meanwhile (Asterisk discards events while the app is disconnected) are ended through the
 * one kill path.
 */
import type { Logger } from '../log.js';
import type { CallControl } from './call-control-port.js';
import type { CallEvent, CallOffered } from './call-events.js';
import type { CallSession } from './call-session.js';
import { killCall } from './kill-call.js';
import type { SessionRegistry } from './registry.js';

export interface CallRouterDeps {
  registry: SessionRegistry<CallSession>;
  control: CallControl;
  logger: Logger;
  newSession(offered: CallOffered): CallSession;
  /** A call offered while shutting down, already being hung up: record it (it still leaves a CDR). */
  turnedAway?(offered: CallOffered): void;
}

export class CallRouter {
  private accepting = true;

  constructor(private readonly deps: CallRouterDeps) {}

  /** New calls are turned away from now on (shutdown). */
  stopAccepting(): void {
    this.accepting = false;
  }

  route(ev: CallEvent): void {
    const { registry, control, logger } = this.deps;
    try {
      if (ev.kind === 'offered') {
        if (registry.byChannelId(ev.channelId)) {
          logger.debug('duplicate StasisStart ignored', { channel: ev.channelId });
          return;
        }
        if (!this.accepting) {
          logger.warn('shutting down: turning a new call away', { channel: ev.channelId });
          void control.hangup(ev.channelId, 'congestion').catch(() => undefined);
          this.deps.turnedAway?.(ev);
          return;
        }
        const session = this.deps.newSession(ev);
        registry.add(session);
        void session.start();
        return;
      }
      if (ev.kind === 'playback-finished') return;
      const session = registry.byChannelId(ev.channelId);
      if (session) {
        session.handle(ev);
        return;
      }
      if (ev.kind === 'leg-answered') {
        logger.warn('a leg of ours answered with no call to join; hanging it up', { channel: ev.channelId });
        void control.hangup(ev.channelId, 'normal').catch(() => undefined);
      }
    } catch (err) {
      logger.error('routing a call event failed', { event: ev.kind, error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** After a reconnect: end every session whose A leg (or answered B leg) no longer exists. */
  async resync(): Promise<void> {
    const { registry, control, logger } = this.deps;
    if (registry.size === 0) return;
    let ids: Set<string>;
    try {
      ids = new Set((await control.listChannels()).map((c) => c.id));
    } catch (err) {
      logger.warn('cannot list channels after reconnecting; live calls not checked', { error: err instanceof Error ? err.message : String(err) });
      return;
    }
    for (const s of registry.sessions()) {
      const missing = s.channelsToCheck().filter((id) => !ids.has(id));
      if (missing.length > 0) void killCall(s, 'lost-channel', logger, { missing });
    }
  }
}

/**
 * Hands each CallEvent to the session it belongs to: a new call offered → a new session; any
 * other event → the session bound to its channel. A leg of ours that answers with no session
 * to talk to (a leftover) is hung up. Admission: at most `maxSetups` calls may be in set-up at
 * once (offered, not yet dialling: the part that waits on the database); a call offered beyond
 * that is refused at once (congestion, FAILED OVERLOAD CDR) instead of queueing for a database
 * connection until every caller times out. After an ARI outage, sessions whose channels vanished
 * meanwhile (Asterisk discards events while the app is disconnected) are ended through the
 * one kill path. A leg's end that arrives before its call has a session again (restart
 * reconciliation lists Asterisk's channels first and adopts their calls after) is kept for a
 * while and handed to the session when it is adopted (`claim`): otherwise that end would be
 * lost and the call billed to when the daemon noticed, not to when it ended.
 */
import type { Logger } from '../log.js';
import type { CallControl } from './call-control-port.js';
import type { CallEvent, CallOffered, LegEnded } from './call-events.js';
import type { CallSession, SessionState } from './call-session.js';
import { killCall } from './kill-call.js';
import type { LiveSession } from './live-session.js';
import type { SessionRegistry } from './registry.js';
import { errorText } from '../error-text.js';

export interface CallRouterDeps {
  registry: SessionRegistry<LiveSession>;
  control: CallControl;
  logger: Logger;
  newSession(offered: CallOffered): CallSession;
  /** A call turned away (shutting down, or too many set-ups), already being hung up: record it (it still leaves a CDR). */
  turnedAway?(offered: CallOffered, reason: 'SHUTDOWN' | 'OVERLOAD'): void;
  /** Most calls in set-up at once; more are refused as OVERLOAD. 0 or absent: no bound. */
  maxSetups?: number;
}

/** The states in which a call is being set up (before dialling). */
const SETTING_UP: ReadonlySet<SessionState> = new Set<SessionState>([
  'offered',
  'identifying',
  'rating',
  'authorising',
]);

/** Ends kept for channels with no session: enough for every call a restart can adopt at once. */
const UNCLAIMED_MAX = 4096;

export class CallRouter {
  private accepting = true;
  /** Sessions started here that were in set-up when last looked at (pruned when the bound is reached). */
  private readonly settingUp = new Set<CallSession>();
  private refused = 0;
  private refusedLoggedAt = 0;
  /** The first end of each channel that had no session, oldest first, at most UNCLAIMED_MAX. */
  private readonly unclaimed = new Map<string, LegEnded>();

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
          this.deps.turnedAway?.(ev, 'SHUTDOWN');
          return;
        }
        if (!this.admit()) {
          this.refused++;
          const now = Date.now();
          if (now - this.refusedLoggedAt >= 1000) {
            // At most one line a second: an overload must not also flood the log.
            logger.warn('too many calls in set-up: refusing new calls (OVERLOAD)', {
              channel: ev.channelId,
              setups: this.settingUp.size,
              refusedSinceLastLine: this.refused,
            });
            this.refusedLoggedAt = now;
            this.refused = 0;
          }
          void control.hangup(ev.channelId, 'congestion').catch(() => undefined);
          this.deps.turnedAway?.(ev, 'OVERLOAD');
          return;
        }
        const session = this.deps.newSession(ev);
        if (this.deps.maxSetups) this.settingUp.add(session);
        registry.add(session);
        session.begin();
        return;
      }
      if (ev.kind === 'playback-finished') return;
      const session = registry.byChannelId(ev.channelId);
      if (session) {
        session.handle(ev);
        return;
      }
      if (ev.kind === 'leg-ended') this.keepUnclaimed(ev);
      if (ev.kind === 'leg-answered') {
        logger.warn('a leg of ours answered with no call to join; hanging it up', {
          channel: ev.channelId,
        });
        void control.hangup(ev.channelId, 'normal').catch(() => undefined);
      }
    } catch (err) {
      logger.error('routing a call event failed', {
        event: ev.kind,
        error: errorText(err),
      });
    }
  }

  /** Hands a session adopted after a restart the ends of its channels that came before it. */
  claim(session: LiveSession): void {
    for (const id of session.channelsToCheck()) {
      const ev = this.unclaimed.get(id);
      if (!ev) continue;
      this.unclaimed.delete(id);
      this.deps.logger.info('a leg ended before its call was adopted', { channel: id });
      session.handle(ev);
    }
  }

  private keepUnclaimed(ev: LegEnded): void {
    if (this.unclaimed.has(ev.channelId)) return;
    if (this.unclaimed.size >= UNCLAIMED_MAX) {
      const oldest = this.unclaimed.keys().next();
      if (!oldest.done) this.unclaimed.delete(oldest.value);
    }
    this.unclaimed.set(ev.channelId, ev);
  }

  /** Calls in set-up right now (as of the last count; exact when the bound is reached). */
  get setups(): number {
    return this.settingUp.size;
  }

  /** True when one more call may start its set-up. O(bound) only when the bound is reached. */
  private admit(): boolean {
    const max = this.deps.maxSetups ?? 0;
    if (max <= 0) return true;
    if (this.settingUp.size >= max) {
      for (const s of this.settingUp) if (!SETTING_UP.has(s.state)) this.settingUp.delete(s);
    }
    return this.settingUp.size < max;
  }

  /** After a reconnect: end every session whose A leg (or answered B leg) no longer exists. */
  async resync(): Promise<void> {
    const { registry, control, logger } = this.deps;
    if (registry.size === 0) return;
    let ids: Set<string>;
    try {
      ids = new Set((await control.listChannels()).map((c) => c.id));
    } catch (err) {
      logger.warn('cannot list channels after reconnecting; live calls not checked', {
        error: errorText(err),
      });
      return;
    }
    for (const s of registry.sessions()) {
      const missing = s.channelsToCheck().filter((id) => !ids.has(id));
      if (missing.length > 0) void killCall(s, 'lost-channel', logger, { missing });
    }
  }
}

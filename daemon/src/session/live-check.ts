/**
 * Which live calls are still up, asked of Asterisk over REST (one channel list per run): right
 * after every reconnection, and every `gapPollSeconds` while the ARI websocket is down (its REST
 * side often still answers, and then a call that ended during the gap is found within one poll
 * instead of at the reconnect).
 *
 * The liveness book remembers, per session, the last moment the call was confirmed up: the
 * last moment the websocket was heard before its loss (it had delivered no end for the call
 * until then; not the moment the loss was noticed, which can come much later), every channel
 * list that had all its channels (these polls, the checkpointer's ticks). A session one of whose
 * channels is missing from a list has ended unseen: it is ended through the kill path
 * with the end the rule of unseen-end.ts gives for [its last stamp, this list]. A leg still
 * ringing for the session that a list sent while the link is unproven shows up has answered
 * unseen (its answer event was lost): the session is told it answered at this list's answer, the
 * latest moment the answer can have been (never bill time nobody can prove), no earlier than the
 * link was last heard (what its limit counts from, so that it never talks past its grant).
 */
import type { Logger } from '../log.js';
import type { LegAnswered } from './call-events.js';
import type { CallControl } from './call-control-port.js';
import type { DaemonClock, TimerHandle } from './clock.js';
import { killCall, type KillReason } from './kill-call.js';
import type { SessionRegistry } from './registry.js';
import type { UnseenEnd, UnseenEnds } from './unseen-end.js';
import { errorText } from '../error-text.js';

/** A live session as the live check sees it. */
export interface CheckedSession {
  readonly aChannelId: string;
  openUniqueids(): string[];
  readonly finished: Promise<void>;
  channelsToCheck(): string[];
  /** Legs dialled and not yet answered, whose answer event a websocket gap may have lost. */
  ringingLegs(): string[];
  handle(ev: LegAnswered): void;
  info(): { id: string; answeredAt: Date | null; grantedSeconds: number | null };
  kill(reason: KillReason, unseen?: UnseenEnd): Promise<void>;
}

/**
 * The last moment each live call was confirmed up (kept with the session, dropped with it), the
 * last moment the websocket was heard (an event frame's timestamp, the send time of a ping it
 * answered: until then it delivered every event, so no end was missed), and whether the
 * websocket proves every live call up now: from its loss until a channel list sent after the
 * reconnect answered, it does not (an end may have been discarded meanwhile).
 */
export class LivenessBook {
  private readonly stamps = new WeakMap<object, Date>();
  /** The last moment the websocket was heard (null: not yet). */
  private heard: Date | null = null;
  /** The last moment heard before the loss, until the first full check after the reconnect. */
  private downSince: Date | null = null;
  /** Sessions a check found with a channel missing: never proven up past their last stamp. */
  private readonly gone = new WeakSet<object>();

  /** The websocket delivered up to `at` (a frame's timestamp, an answered ping's send time). */
  linkHeard(at: Date): void {
    if (!this.heard || this.heard.getTime() < at.getTime()) this.heard = at;
  }

  /**
   * The websocket was found lost at `now`: it proves nothing after it was last heard (it may
   * have stalled long before the loss was noticed). Returns that moment.
   */
  linkLost(now: Date): Date {
    this.downSince ??= this.heard ? earlier(this.heard, now) : now;
    return this.downSince;
  }

  /** A channel list sent after the reconnect answered: every session it did not end is up. */
  linkProven(): void {
    this.downSince = null;
  }

  /**
   * The latest moment `session` is proven up, given the time `now`: while the websocket delivers,
   * the later of when it was last heard and the session's last stamp (a stalled link looks
   * connected until the watchdog gives up); during a gap the last stamp (the loss, a poll, a
   * checkpoint tick). What an extension may claim as talked (store/tx/extend.ts): a call that
   * ended unseen must not be billed past it.
   */
  confirmedUp(session: object, now: Date): Date {
    const last = this.lastUp(session);
    if (this.gone.has(session)) return earlier(last ?? this.downSince ?? this.heard ?? now, now);
    if (this.downSince === null) return earlier(later(last, this.heard) ?? now, now);
    return earlier(later(last, this.downSince)!, now);
  }

  /** Since when the websocket has not proven live calls (the loss), or null: it does now. */
  unprovenSince(): Date | null {
    return this.downSince;
  }

  /** A check found a channel of `session` missing: it ended unseen, after its last stamp. */
  endedUnseen(session: object): void {
    this.gone.add(session);
  }

  stamp(session: object, at: Date): void {
    const had = this.stamps.get(session);
    if (!had || had.getTime() < at.getTime()) this.stamps.set(session, at);
  }

  lastUp(session: object): Date | null {
    return this.stamps.get(session) ?? null;
  }
}

function earlier(a: Date, b: Date): Date {
  return a.getTime() < b.getTime() ? a : b;
}

function later(a: Date | null, b: Date | null): Date | null {
  if (!a || !b) return a ?? b;
  return a.getTime() > b.getTime() ? a : b;
}

export interface LiveCheckOptions {
  control: Pick<CallControl, 'listChannels'>;
  registry: SessionRegistry<CheckedSession>;
  book: LivenessBook;
  unseen: UnseenEnds;
  clock: DaemonClock;
  logger: Logger;
  /** Seconds between polls while the websocket is down; 0: no polling (only the run at reconnect). */
  gapPollSeconds: number;
}

export class LiveCheck {
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  /** The websocket is up; `epoch` counts its losses (a list sent before one proves nothing after). */
  private linkUp = true;
  private epoch = 0;

  constructor(private readonly opts: LiveCheckOptions) {}

  /** The websocket was found lost at `now`; it proved every live call up until it was last heard. Polls start. */
  connectionLost(now: Date): void {
    this.linkUp = false;
    this.epoch += 1;
    const provenAt = this.opts.book.linkLost(now);
    for (const s of this.opts.registry.sessions()) this.opts.book.stamp(s, provenAt);
    this.schedule();
  }

  /** The websocket is back: polling stops (the caller runs one check now). */
  connected(): void {
    this.linkUp = true;
    this.stopPolling();
  }

  private stopPolling(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  close(): Promise<void> {
    this.closed = true;
    this.stopPolling();
    return this.running?.catch(() => undefined) ?? Promise.resolve();
  }

  /** One check; concurrent calls share it. */
  run(): Promise<void> {
    this.running ??= this.check().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** One more check soon (the poll cadence, else 5 s), unless one is armed. */
  private retry(): void {
    const { clock, gapPollSeconds } = this.opts;
    if (this.closed || this.timer) return;
    this.timer = clock.setTimer((gapPollSeconds > 0 ? gapPollSeconds : 5) * 1000, () => {
      this.timer = null;
      if (!this.linkUp) this.schedule(); // lost again meanwhile: the polls go on
      const run = (): Promise<void> => this.run();
      void (this.running ? this.running.then(run, run) : run());
    });
  }

  private schedule(): void {
    const { clock, gapPollSeconds } = this.opts;
    if (this.closed || gapPollSeconds <= 0 || this.timer) return;
    // A steady cadence from the loss: the next poll is armed when this one fires.
    this.timer = clock.setTimer(gapPollSeconds * 1000, () => {
      this.timer = null;
      this.schedule();
      // A poll that finds the previous one still running runs after it (none is skipped).
      const run = (): Promise<void> => this.run();
      void (this.running ? this.running.then(run, run) : run());
    });
  }

  private async check(): Promise<void> {
    const { registry, control, logger, book, clock } = this.opts;
    // Sent while the websocket was up again (and still is when it answers): it proves the link.
    const epoch = this.linkUp ? this.epoch : -1;
    const proven = (): void => {
      if (this.linkUp && epoch === this.epoch) book.linkProven();
    };
    if (registry.size === 0) return proven();
    // Up: no later than the request was sent; gone: no later than the answer arrived.
    const sentAt = clock.now();
    let ids: Set<string>;
    let up: Set<string>;
    try {
      const list = await control.listChannels();
      ids = new Set(list.map((c) => c.id));
      up = new Set(list.filter((c) => c.state === 'Up').map((c) => c.id));
    } catch (err) {
      logger.warn('cannot ask Asterisk which calls are up; live calls not checked', {
        error: errorText(err),
      });
      // After a reconnect nothing else would ask again: a call that ended in the gap would be
      // supervised (and its other leg billed) until its limit. Retry until a list answers.
      if (this.linkUp) this.retry();
      return;
    }
    const now = clock.now();
    const lostAt = book.unprovenSince();
    for (const s of registry.sessions()) {
      if (lostAt) this.answeredUnseen(s, up, lostAt, now);
      const needed = s.channelsToCheck();
      if (needed.length === 0) continue;
      const missing = needed.filter((id) => !ids.has(id));
      if (missing.length === 0) {
        book.stamp(s, sentAt);
        continue;
      }
      book.endedUnseen(s);
      void this.endUnseen(s, missing, now).catch((err: unknown) =>
        logger.error('ending a call whose channel vanished failed', {
          channel: s.aChannelId,
          error: errorText(err),
        }),
      );
    }
    proven();
  }

  private answeredUnseen(s: CheckedSession, up: Set<string>, lostAt: Date, now: Date): void {
    for (const channelId of s.ringingLegs()) {
      if (!up.has(channelId)) continue;
      this.opts.logger.warn(
        'a ringing leg answered during a websocket gap; taken as answered now',
        {
          channel: channelId,
          lostAt: lostAt.toISOString(),
        },
      );
      s.handle({ kind: 'leg-answered', at: now, channelId, notBefore: lostAt });
    }
  }

  private async endUnseen(s: CheckedSession, missing: string[], goneAt: Date): Promise<void> {
    const info = s.info();
    const lastUp = this.opts.book.lastUp(s);
    const unseen =
      info.answeredAt && info.grantedSeconds
        ? await this.opts.unseen.decide({
            channelIds: [s.aChannelId],
            answer: info.answeredAt,
            lastUp,
            goneAt,
            maxSeconds: info.grantedSeconds,
          })
        : undefined;
    await killCall(
      s,
      'lost-channel',
      this.opts.logger,
      {
        missing,
        lastUp: lastUp?.toISOString() ?? null,
        goneAt: goneAt.toISOString(),
        ...(unseen ? { billsec: unseen.billsec, endSource: unseen.source } : {}),
      },
      unseen,
    );
  }
}

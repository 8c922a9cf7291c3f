/**
 * CallControl over ARI: each method is one (timed-out) ARI REST request, with the ids chosen
 * by astbill. Playback completion is tracked here from the PlaybackFinished events, so that a
 * session can await "the prompt is over" without seeing ARI.
 */
import type { CallEvent } from '../session/call-events.js';
import {
  CallControlError,
  type BridgeSummary,
  type CallControl,
  type ChannelSummary,
  type HangupOutcome,
  type HangupReason,
  type OriginateRequest,
  type PlaybackHandle,
  type PlaybackOutcome,
} from '../session/call-control-port.js';
import type { AriConnection } from './connection.js';
import { ORIGINATED_LEG_ARG, type AriEventTranslator } from './events.js';
import { seg } from './rest-client.js';

interface PendingPlayback {
  channelId: string;
  resolve(outcome: PlaybackOutcome): void;
}

export class AriCallControl implements CallControl {
  private readonly playbacks = new Map<string, PendingPlayback>();

  constructor(
    private readonly conn: AriConnection,
    private readonly translator: AriEventTranslator,
    private readonly app: string,
    /** Chooses playback ids (recognisable as ours, e.g. `astbill-node1-…-pb`). */
    private readonly newPlaybackId: () => string,
    /** ARI play `lang` for every prompt, or null for the channel's language. */
    private readonly language: string | null = null,
  ) {}

  /** Sees every translated event (before the sessions do) to settle playbacks. */
  observe(ev: CallEvent): void {
    if (ev.kind === 'playback-finished') {
      this.settlePlayback(ev.playbackId, ev.failed ? 'failed' : 'done');
    } else if (ev.kind === 'leg-ended') {
      for (const [id, p] of this.playbacks)
        if (p.channelId === ev.channelId) this.settlePlayback(id, 'lost');
    }
  }

  /** The websocket went away: no PlaybackFinished will come for what was playing. */
  connectionLost(): void {
    for (const id of [...this.playbacks.keys()]) this.settlePlayback(id, 'lost');
  }

  get pendingPlaybacks(): number {
    return this.playbacks.size;
  }

  async answer(channelId: string): Promise<void> {
    await this.conn.request('answer', 'POST', `/channels/${seg(channelId)}/answer`);
  }

  async ring(channelId: string): Promise<void> {
    await this.conn.request('ring', 'POST', `/channels/${seg(channelId)}/ring`);
  }

  async play(channelId: string, media: readonly string[]): Promise<PlaybackHandle> {
    const playbackId = this.newPlaybackId();
    let resolve!: (o: PlaybackOutcome) => void;
    const finished = new Promise<PlaybackOutcome>((r) => (resolve = r));
    // Registered before the request: PlaybackFinished (e.g. a missing sound) can beat the response.
    this.playbacks.set(playbackId, { channelId, resolve });
    try {
      // One comma-separated media list: repeated `media=` parameters would play only the last.
      await this.conn.request('play', 'POST', `/channels/${seg(channelId)}/play`, {
        media: media.join(','),
        playbackId,
        ...(this.language ? { lang: this.language } : {}),
      });
    } catch (err) {
      this.playbacks.delete(playbackId);
      throw err;
    }
    return { id: playbackId, finished };
  }

  async stopPlayback(playbackId: string): Promise<void> {
    try {
      await this.conn.request('stop playback', 'DELETE', `/playbacks/${seg(playbackId)}`);
    } catch (err) {
      if (!(err instanceof CallControlError && err.kind === 'not-found')) throw err;
    }
    this.settlePlayback(playbackId, 'stopped');
  }

  async originate(req: OriginateRequest): Promise<void> {
    // Only a Local channel has a `;2` half; any other endpoint is one channel.
    this.translator.expectLeg(
      req.channelId,
      req.endpoint.startsWith('Local/') ? req.otherChannelId : undefined,
    );
    try {
      await this.conn.request('originate', 'POST', '/channels', {
        endpoint: req.endpoint,
        app: this.app,
        appArgs: ORIGINATED_LEG_ARG,
        callerId: req.callerId ? req.callerId : undefined,
        timeout: req.ringTimeout,
        channelId: req.channelId,
        otherChannelId: req.otherChannelId,
        originator: req.originator,
      });
    } catch (err) {
      // A timed-out request may still have created the leg: keep listening for it then.
      if (!(err instanceof CallControlError && err.kind === 'timeout'))
        this.translator.forgetLeg(req.channelId);
      throw err;
    }
  }

  forgetLeg(channelId: string): void {
    this.translator.forgetLeg(channelId);
  }

  async createBridge(bridgeId: string): Promise<void> {
    await this.conn.request('create bridge', 'POST', '/bridges', {
      type: 'mixing',
      bridgeId,
      name: bridgeId,
    });
  }

  async addToBridge(bridgeId: string, channelIds: readonly string[]): Promise<void> {
    await this.conn.request('add to bridge', 'POST', `/bridges/${seg(bridgeId)}/addChannel`, {
      channel: channelIds.join(','),
    });
  }

  async destroyBridge(bridgeId: string): Promise<void> {
    try {
      await this.conn.request('destroy bridge', 'DELETE', `/bridges/${seg(bridgeId)}`);
    } catch (err) {
      if (!(err instanceof CallControlError && err.kind === 'not-found')) throw err;
    }
  }

  async setAbsoluteTimeout(channelId: string, seconds: number): Promise<void> {
    // Asterisk reads "<seconds>.<fraction>" (func_timeout.c); milliseconds are enough.
    const value = Math.round(seconds * 1000) / 1000;
    if (!Number.isFinite(value) || value <= 0)
      throw new RangeError(
        `TIMEOUT(absolute) must be a positive number of seconds, got ${seconds}`,
      );
    await this.conn.request(
      'set TIMEOUT(absolute)',
      'POST',
      `/channels/${seg(channelId)}/variable`,
      { variable: 'TIMEOUT(absolute)', value: value.toFixed(3).replace(/\.?0+$/, '') },
    );
  }

  async hangup(channelId: string, reason: HangupReason = 'normal'): Promise<HangupOutcome> {
    try {
      await this.conn.request('hangup', 'DELETE', `/channels/${seg(channelId)}`, { reason });
      return 'hung-up';
    } catch (err) {
      // "Channel not found": it is already gone, which is what we wanted.
      if (!(err instanceof CallControlError && err.kind === 'not-found')) throw err;
      return 'gone';
    }
  }

  async listChannels(): Promise<ChannelSummary[]> {
    const list = asList<{
      id?: unknown;
      name?: unknown;
      state?: unknown;
      dialplan?: { app_name?: unknown; app_data?: unknown };
    }>(await this.conn.request('list channels', 'GET', '/channels'));
    return list.map((ch) => ({
      id: String(ch.id),
      name: String(ch.name ?? ''),
      state: String(ch.state ?? ''),
      // In Stasis the dialplan shows Stasis(<app>,<args>).
      app:
        ch.dialplan?.app_name === 'Stasis'
          ? (String(ch.dialplan.app_data ?? '').split(',')[0] ?? null)
          : null,
    }));
  }

  async listBridges(): Promise<BridgeSummary[]> {
    const list = asList<{ id?: unknown; channels?: unknown }>(
      await this.conn.request('list bridges', 'GET', '/bridges'),
    );
    return list.map((b) => ({
      id: String(b.id),
      channels: Array.isArray(b.channels) ? b.channels.map(String) : [],
    }));
  }

  private settlePlayback(id: string, outcome: PlaybackOutcome): void {
    const p = this.playbacks.get(id);
    if (!p) return;
    this.playbacks.delete(id);
    p.resolve(outcome);
  }
}

function asList<T>(body: unknown): T[] {
  return Array.isArray(body) ? (body as T[]) : [];
}

/**
 * The simulator in the bench process, on the real clock, plus a tracker that timestamps each
 * call's StasisStart (the moment the simulator sends it) and the daemon's originate (the moment
 * the simulator handles the request: the first Dial event of the leg is published from inside the
 * originate handler), with performance.now() so set-up latency is measured on one clock in one
 * process, where both ends of it happen.
 */
import type { IncomingMessage, Server } from 'node:http';
import { AriSimulator, type AriEvent, type SentEvent } from '../daemon/src/sim/index.js';
import { HOLD_PREFIX, LOAD_PREFIX } from './bench-db.js';
import { Samples } from './stats.js';

export const APP = 'astbill';

export interface TrackedCall {
  /** performance.now() when StasisStart was sent. */
  stasisAt: number;
  /** performance.now() when the originate request was handled; 0 until then. */
  originateAt: number;
  /** Sim-clock times (ms since epoch) of the B leg's answer, the A leg's end, the B leg's end; 0 = not yet. */
  answeredAt: number;
  endedAt: number;
  bEndedAt: number;
  bId: string;
}

export async function startSimulator(talkMs: number): Promise<AriSimulator> {
  return AriSimulator.start({
    clock: 'real',
    recordEvents: false,
    historyLimit: 1000,
    rules: [
      { prefix: LOAD_PREFIX, action: 'answer', hangupAfterMs: talkMs },
      { prefix: HOLD_PREFIX, action: 'answer', hangupAfterMs: null },
      { prefix: '', action: 'congestion' },
    ],
  });
}

/** Watches the simulator's events for calls whose A channel id starts with `prefix`. */
export class CallTracker {
  readonly calls = new Map<string, TrackedCall>();
  /** Set-up latency samples (µs) of calls whose StasisStart came after the last `resetLatency()`. */
  latency = new Samples();
  private readonly byB = new Map<string, TrackedCall>();
  /** REST requests the simulator received, by method and path pattern ('POST /channels/:id/answer'). */
  readonly rest = new Map<string, number>();
  /** Events the simulator sent. */
  events = 0;
  private readonly onEvent = (s: SentEvent): void => {
    this.events += 1;
    this.observe(s.event);
  };
  private readonly onRequest = (req: IncomingMessage): void => {
    const key = restKey(req.method ?? '?', req.url ?? '/');
    this.rest.set(key, (this.rest.get(key) ?? 0) + 1);
  };
  private readonly http: Server | undefined;

  constructor(private readonly sim: AriSimulator) {
    sim.engine.on('event', this.onEvent);
    // The simulator's HTTP server is private; reached here only to count requests (bench-only).
    this.http = (sim as unknown as { server?: { http?: Server } }).server?.http;
    this.http?.on('request', this.onRequest);
  }

  close(): void {
    this.sim.engine.off('event', this.onEvent);
    this.http?.off('request', this.onRequest);
  }

  /** Counters now, to diff against later. */
  counters(): { rest: Map<string, number>; events: number } {
    return { rest: new Map(this.rest), events: this.events };
  }

  resetLatency(): void {
    this.latency = new Samples();
  }

  /** Calls started but whose A leg has not ended. */
  live = 0;

  private observe(e: AriEvent): void {
    switch (e.type) {
      case 'StasisStart': {
        const ch = e.channel as { id: string } | undefined;
        if (ch && !this.calls.has(ch.id) && !ch.id.startsWith('astbill-')) {
          this.calls.set(ch.id, {
            stasisAt: performance.now(),
            originateAt: 0,
            answeredAt: 0,
            endedAt: 0,
            bEndedAt: 0,
            bId: '',
          });
          this.live += 1;
        }
        return;
      }
      case 'Dial': {
        const peer = e.peer as { id: string } | undefined;
        if (!peer) return;
        if (e.dialstatus === '') {
          const linked = this.sim.engine.channels.get(peer.id)?.linkedid;
          const call = linked ? this.calls.get(linked) : undefined;
          if (call && call.originateAt === 0) {
            call.originateAt = performance.now();
            call.bId = peer.id;
            this.byB.set(peer.id, call);
            this.latency.addSince(call.stasisAt, call.originateAt);
          }
        } else if (e.dialstatus === 'ANSWER') {
          const call = this.byB.get(peer.id);
          if (call) call.answeredAt = Date.parse(String(e.timestamp).replace('+0000', 'Z'));
        }
        return;
      }
      // A dialplan channel says nothing after StasisEnd (not even ChannelDestroyed): its end is StasisEnd.
      case 'StasisEnd':
      case 'ChannelDestroyed': {
        const ch = e.channel as { id: string } | undefined;
        if (!ch) return;
        const at = Date.parse(String(e.timestamp).replace('+0000', 'Z'));
        const call = this.calls.get(ch.id);
        if (call && call.endedAt === 0) {
          call.endedAt = at;
          this.live -= 1;
        }
        const byB = e.type === 'ChannelDestroyed' ? this.byB.get(ch.id) : undefined;
        if (byB) {
          byB.bEndedAt = at;
          this.byB.delete(ch.id);
        }
        return;
      }
    }
  }
}

const RESOURCES = new Set([
  'channels',
  'bridges',
  'playbacks',
  'applications',
  'asterisk',
  'events',
  'endpoints',
  'recordings',
  'sounds',
  'deviceStates',
  'mailboxes',
]);

/** 'POST', '/ari/channels/abc/answer?x=1' → 'POST /channels/:id/answer'. */
export function restKey(method: string, url: string): string {
  const parts = url
    .split('?')[0]!
    .replace(/^\/ari/, '')
    .split('/');
  for (let i = 2; i < parts.length; i++) {
    if (
      RESOURCES.has(parts[i - 1]!) &&
      parts[i] !== 'externalMedia' &&
      parts[i] !== 'create' &&
      !/^(info|variable|ping|config|modules|logging)$/.test(parts[i]!)
    ) {
      parts[i] = ':id';
    }
  }
  return `${method} ${parts.join('/')}`;
}

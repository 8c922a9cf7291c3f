/**
 * Playbacks on a channel, queued one after another as Asterisk's channel control does. A list of
 * media is one playback: PlaybackStarted per item, PlaybackContinuing between items, one
 * PlaybackFinished. A missing single sound ends `failed`; inside a list it just continues.
 * Stopping gives PlaybackFinished `done` (there is no stopped state on the wire).
 */
import { randomUUID } from 'node:crypto';
import type { SimEngine } from './engine.js';
import type { SimChannel, SimPlayback } from './model.js';
import { mediaDuration } from './media.js';
import { AriError } from './errors.js';

/** A missing sound is reported about this long after PlaybackStarted (measured: ~2 ms). */
const FAIL_AFTER_MS = 2;

export function play(
  sim: SimEngine,
  ch: SimChannel,
  media: string[],
  opts: { playbackId?: string; lang?: string },
): SimPlayback {
  if (!ch.stasisApp) throw AriError.conflict('Channel not in Stasis application');
  if (media.length === 0 || media.some((m) => m === ''))
    throw AriError.badRequest('Missing parameter media');
  const id = opts.playbackId && opts.playbackId !== '' ? opts.playbackId : randomUUID();
  if (sim.playbacks.has(id)) throw AriError.conflict(`Playback with id '${id}' already exists`);
  const pb: SimPlayback = {
    id,
    channelId: ch.id,
    media,
    index: 0,
    language: opts.lang || ch.language,
    state: 'queued',
  };
  sim.playbacks.set(id, pb);
  ch.playbackQueue.push(id);
  return pb;
}

/** Starts the head of the channel's queue if nothing is playing (call after answering the request). */
export function pump(sim: SimEngine, ch: SimChannel): void {
  const head = ch.playbackQueue[0];
  if (head === undefined) return;
  const pb = sim.playbacks.get(head);
  if (!pb || pb.state !== 'queued') return;
  startItem(sim, ch, pb);
}

function publish(sim: SimEngine, ch: SimChannel, type: string, pb: SimPlayback): void {
  const receivers = sim.channelReceivers(ch);
  if (receivers.size > 0) sim.publish(type, { playback: sim.playbackJson(pb) }, receivers);
}

function startItem(sim: SimEngine, ch: SimChannel, pb: SimPlayback): void {
  pb.state = 'playing';
  publish(sim, ch, 'PlaybackStarted', pb);
  const uri = pb.media[pb.index] ?? '';
  const ms = mediaDuration(uri, sim.sounds);
  const last = pb.index === pb.media.length - 1;
  if (ms === undefined) {
    if (pb.media.length === 1) {
      pb.timer = sim.schedule(ch, FAIL_AFTER_MS, () => finish(sim, ch, pb, 'failed'));
    } else {
      itemDone(sim, ch, pb, last);
    }
    return;
  }
  if (ms === Infinity) return; // tones play until stopped
  pb.timer = sim.schedule(ch, ms, () => itemDone(sim, ch, pb, last));
}

function itemDone(sim: SimEngine, ch: SimChannel, pb: SimPlayback, last: boolean): void {
  if (last) {
    finish(sim, ch, pb, 'done');
    return;
  }
  pb.state = 'continuing';
  publish(sim, ch, 'PlaybackContinuing', pb);
  pb.index++;
  startItem(sim, ch, pb);
}

function finish(sim: SimEngine, ch: SimChannel, pb: SimPlayback, state: 'done' | 'failed'): void {
  pb.timer?.cancel();
  pb.state = state;
  publish(sim, ch, 'PlaybackFinished', pb);
  sim.playbacks.delete(pb.id);
  ch.playbackQueue = ch.playbackQueue.filter((id) => id !== pb.id);
  sim.changed();
  pump(sim, ch);
}

/** DELETE /playbacks/{id}. */
export function stop(sim: SimEngine, pb: SimPlayback): void {
  const ch = sim.channels.get(pb.channelId);
  if (!ch) {
    sim.playbacks.delete(pb.id);
    return;
  }
  if (pb.state === 'queued') {
    sim.playbacks.delete(pb.id);
    ch.playbackQueue = ch.playbackQueue.filter((id) => id !== pb.id);
    return;
  }
  finish(sim, ch, pb, 'done');
}

/** The channel is going away: the playing item is cut short (reported failed), queued ones vanish. */
export function cutPlaybacks(sim: SimEngine, ch: SimChannel): void {
  const queue = ch.playbackQueue;
  ch.playbackQueue = [];
  for (const id of queue) {
    const pb = sim.playbacks.get(id);
    if (!pb) continue;
    pb.timer?.cancel();
    sim.playbacks.delete(id);
    if (pb.state === 'playing' || pb.state === 'continuing') {
      pb.state = 'failed';
      publish(sim, ch, 'PlaybackFinished', pb);
    }
  }
}

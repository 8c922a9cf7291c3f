/**
 * Mixing bridges as ARI creates them: no BridgeCreated for the app, ChannelEnteredBridge per
 * channel, BRIDGEPEER set once two or more channels are in (the PJSIP extras in sip-media.ts),
 * cleared on the channel that leaves,
 * and BridgeDestroyed only when the app deletes the bridge (it never goes away by itself).
 */
import { randomUUID } from 'node:crypto';
import type { SimEngine } from './engine.js';
import type { SimBridge, SimChannel } from './model.js';
import { afterLeave, clearPeerVars, refreshPeers } from './sip-media.js';
import { AriError } from './errors.js';

export function createBridge(
  sim: SimEngine,
  opts: { bridgeId?: string; type?: string; name?: string },
): SimBridge {
  const id = opts.bridgeId && opts.bridgeId !== '' ? opts.bridgeId : randomUUID();
  if (sim.bridges.has(id)) throw AriError.conflict(`Bridge with id '${id}' already exists`);
  const types = (opts.type ?? 'mixing')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const t of types) {
    if (
      ![
        'mixing',
        'holding',
        'dtmf_events',
        'proxy_media',
        'video_sfu',
        'video_single',
        'sdp_label',
      ].includes(t)
    ) {
      throw AriError.badRequest('Invalid bridge type');
    }
  }
  const b: SimBridge = {
    id,
    name: opts.name ?? '',
    type: types.includes('holding') ? 'holding' : 'mixing',
    createdAt: sim.clock.now(),
    channels: [],
    subscribers: new Set(),
  };
  sim.bridges.set(id, b);
  sim.publish('BridgeCreated', { bridge: sim.bridgeJson(b) }, sim.apps.subscribeAllApps());
  sim.changed();
  return b;
}

export function addChannels(sim: SimEngine, b: SimBridge, channels: SimChannel[]): void {
  for (const ch of channels) {
    if (!ch.stasisApp) throw AriError.unprocessable('Channel not in Stasis application');
  }
  for (const ch of channels) {
    if (ch.bridgeId === b.id) continue;
    if (ch.bridgeId !== undefined) {
      const old = sim.bridges.get(ch.bridgeId);
      if (old) leaveBridge(sim, ch);
    }
    ch.bridgeId = b.id;
    ch.lastBridgeId = b.id;
    ch.bridgedWith = [...b.channels];
    for (const id of b.channels) sim.channels.get(id)?.bridgedWith?.push(ch.id);
    b.channels.push(ch.id);
    if (ch.stasisApp && !b.subscribers.has(ch.stasisApp)) {
      b.subscribers.add(ch.stasisApp);
      sim.apps.trackBridge(ch.stasisApp, b.id);
    }
    publishBridgeChannel(sim, 'ChannelEnteredBridge', b, ch);
  }
  refreshPeers(sim, b);
  sim.changed();
}

/** The channel leaves its bridge: BRIDGEPEER (and BRIDGEPVTCALLID) cleared on it, then ChannelLeftBridge. */
export function leaveBridge(sim: SimEngine, ch: SimChannel): void {
  if (ch.bridgeId === undefined) return;
  const b = sim.bridges.get(ch.bridgeId);
  ch.bridgeId = undefined;
  if (!b) return;
  clearPeerVars(sim, ch);
  b.channels = b.channels.filter((id) => id !== ch.id);
  publishBridgeChannel(sim, 'ChannelLeftBridge', b, ch);
  afterLeave(b);
  refreshPeers(sim, b);
  sim.changed();
}

export function removeChannels(sim: SimEngine, b: SimBridge, channels: SimChannel[]): void {
  for (const ch of channels) {
    if (ch.bridgeId !== b.id) throw AriError.unprocessable('Channel not in this bridge');
  }
  for (const ch of channels) leaveBridge(sim, ch);
}

export function destroyBridge(sim: SimEngine, b: SimBridge): void {
  for (const id of [...b.channels]) {
    const ch = sim.channels.get(id);
    if (ch) leaveBridge(sim, ch);
  }
  sim.publish('BridgeDestroyed', { bridge: sim.bridgeJson(b) }, sim.bridgeReceivers(b));
  sim.bridges.delete(b.id);
  for (const app of b.subscribers) sim.apps.untrackBridge(app, b.id);
  sim.changed();
}

function publishBridgeChannel(sim: SimEngine, type: string, b: SimBridge, ch: SimChannel): void {
  const receivers = sim.channelReceivers(ch);
  for (const a of sim.bridgeReceivers(b)) receivers.add(a);
  if (receivers.size === 0) return;
  sim.publish(type, { bridge: sim.bridgeJson(b), channel: sim.channelJson(ch) }, receivers);
}

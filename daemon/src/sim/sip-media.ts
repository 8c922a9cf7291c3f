/**
 * What only PJSIP channels add to a call's events, as Asterisk 22's pjsip-* recordings show:
 * - a SIP Call-ID (protocol_id): the phone's on an inbound channel, a UUID Asterisk makes on an
 *   originated one; a bridge peer's Call-ID is set as BRIDGEPVTCALLID next to every BRIDGEPEER;
 * - two PJSIP channels in one bridge switch it to native RTP, and BRIDGEPEER/BRIDGEPVTCALLID are
 *   then set 3 times per channel (the last one in first);
 * - at hang-up an answered PJSIP channel gets 5 RTP QoS varsets, and a channel still bridged with
 *   it gets the same values as the `…BRIDGED` variants.
 * Values are derived from the channel id, so that a replay sends the same bytes.
 */
import { createHash } from 'node:crypto';
import type { SimEngine } from './engine.js';
import type { SimBridge, SimChannel } from './model.js';
import { varset } from './channels.js';

/** How many times Asterisk set BRIDGEPEER/BRIDGEPVTCALLID per channel once the bridge went native. */
const NATIVE_RTP_PEER_ROUNDS = 3;

export function isPjsip(ch: SimChannel): boolean {
  return ch.tech === 'PJSIP';
}

function digest(id: string): Buffer {
  return createHash('sha1').update(id).digest();
}

/** The SIP Call-ID of a new PJSIP channel: phone style when inbound, a UUID when Asterisk dials. */
export function sipCallId(id: string, inbound: boolean): string {
  const h = digest(id).toString('hex');
  if (inbound) return `1-${parseInt(h.slice(0, 5), 16)}@127.0.0.1`;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function members(sim: SimEngine, b: SimBridge): SimChannel[] {
  return b.channels.map((id) => sim.channels.get(id)).filter((c): c is SimChannel => !!c);
}

function peerVars(sim: SimEngine, ch: SimChannel, others: SimChannel[], always: boolean): void {
  const peer = others.map((o) => o.name).join(',');
  if (always || ch.vars.get('BRIDGEPEER') !== peer) {
    varset(sim, ch, 'BRIDGEPEER', peer);
    // Asterisk names a Call-ID only when the one peer is a SIP channel.
    const callId = others.length === 1 ? others[0]?.callId : undefined;
    if (callId !== undefined) varset(sim, ch, 'BRIDGEPVTCALLID', callId);
  }
}

/** BRIDGEPEER (and BRIDGEPVTCALLID) on every member whose peers changed; with 2+ members only. */
export function refreshPeers(sim: SimEngine, b: SimBridge): void {
  if (b.channels.length < 2) return;
  const all = members(sim, b);
  const native = all.length === 2 && all.every(isPjsip);
  if (native && !b.nativeRtp) {
    b.nativeRtp = true;
    for (let round = 0; round < NATIVE_RTP_PEER_ROUNDS; round++) {
      for (const ch of [...all].reverse())
        peerVars(
          sim,
          ch,
          all.filter((o) => o !== ch),
          true,
        );
    }
    return;
  }
  for (const ch of all)
    peerVars(
      sim,
      ch,
      all.filter((o) => o !== ch),
      false,
    );
  // A Local channel bridged with a SIP phone gets the phone's identity as its connected line
  // (pjsip-a-answered-local-b: once, right after the peer variables); IAX2 phones send none.
  if (all.length === 2 && all.some(isPjsip)) {
    for (const ch of all)
      if (ch.tech === 'Local' && !ch.connectedLineSent) {
        ch.connectedLineSent = true;
        sim.publishChannel(ch, 'ChannelConnectedLine', {});
        const far = ch.pair?.two;
        if (far && far !== ch && far.dialplan.app_name === 'Wait') passCallerId(sim, far);
      }
  }
}

/**
 * The far half of a Local pair whose ;1 got a SIP phone's connected line learns it as its caller
 * ID at its next dialplan step (the recording: ChannelCallerId right after its Wait starts).
 */
export function passCallerId(sim: SimEngine, far: SimChannel): void {
  const one = far.pair?.one;
  if (far.connectedLineSent || !one?.connectedLineSent) return;
  far.connectedLineSent = true;
  sim.publishChannel(far, 'ChannelCallerId', {
    caller_presentation: 1,
    caller_presentation_txt: 'Presentation Allowed, Passed Screen',
  });
}

/** The channel is leaving its bridge: its peer variables are cleared first. */
export function clearPeerVars(sim: SimEngine, ch: SimChannel): void {
  if (ch.vars.has('BRIDGEPEER')) varset(sim, ch, 'BRIDGEPEER', '');
  if (ch.vars.get('BRIDGEPVTCALLID')) varset(sim, ch, 'BRIDGEPVTCALLID', '');
}

/** After a member left: a bridge with fewer than two PJSIP channels is no longer native. */
export function afterLeave(b: SimBridge): void {
  if (b.channels.length < 2) b.nativeRtp = false;
}

const ZERO = '000.000000';
const stats = (names: string[], pad: string): string =>
  names.map((n) => `${pad}${n}=${ZERO};`).join('');
const spread = (what: string): string[] => ['min', 'max', 'avg', 'stdev'].map((s) => s + what);

/** RTPAUDIOQOS* values of a call without media (no RTP flowed between the simulated ends). */
function qosValues(ch: SimChannel): Array<[string, string]> {
  const ssrc = digest(ch.id).readUInt32BE(0);
  return [
    [
      'RTPAUDIOQOS',
      `ssrc=${ssrc};themssrc=0;lp=0;rxjitter=0.000000;rxcount=0;txjitter=0.000000;txcount=0;` +
        'rlp=0;rtt=0.000000;rxmes=0.000000;txmes=0.000000',
    ],
    ['RTPAUDIOQOSJITTER', stats([...spread('rxjitter'), ...spread('txjitter')], '')],
    ['RTPAUDIOQOSLOSS', stats([...spread('rxlost'), ...spread('txlost')], '  ')],
    ['RTPAUDIOQOSRTT', stats(spread('rtt'), '     ')],
    ['RTPAUDIOQOSMES', stats([...spread('rxmes'), ...spread('txmes')], '   ')],
  ];
}

/**
 * An answered PJSIP channel hangs up: its 5 RTP QoS varsets (once), each followed by the
 * `…BRIDGED` variant on every channel still bridged with it.
 */
export function rtpQos(sim: SimEngine, ch: SimChannel): void {
  if (!isPjsip(ch) || ch.answeredAt === undefined || ch.qosSent) return;
  ch.qosSent = true;
  const b = ch.bridgeId !== undefined ? sim.bridges.get(ch.bridgeId) : undefined;
  const peers = b ? members(sim, b).filter((o) => o !== ch) : [];
  for (const [variable, value] of qosValues(ch)) {
    varset(sim, ch, variable, value);
    for (const p of peers) varset(sim, p, `${variable}BRIDGED`, value);
  }
}

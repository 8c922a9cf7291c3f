/**
 * Every way a channel ends, each emitting Asterisk 22's recorded sequence. "Stasis side" is the
 * channel the app controls (an inbound `;2`, an originated `;1`, or a single SIP/IAX2 channel);
 * "far side" is the other half of a Local pair (the phone or the dialled party).
 */
import type { SimEngine } from './engine.js';
import type { HungUpBy, SimChannel } from './model.js';
import { exitStasis, hangupRequest, partner, dialplanStep } from './channels.js';
import { leaveBridge } from './bridges.js';
import { cutPlaybacks } from './playbacks.js';
import { SOFT, CAUSE } from './causes.js';
import { isPjsip, rtpQos } from './sip-media.js';

/** Leaves everything the app sees the channel in: playback, bridge, Stasis. */
function detach(sim: SimEngine, ch: SimChannel): void {
  cutPlaybacks(sim, ch);
  leaveBridge(sim, ch);
  exitStasis(sim, ch);
}

/** Destroys the far half of a pair after the Stasis side is gone (its dialplan thread ends first). */
function endPeer(sim: SimEngine, peer: SimChannel, cause: number, by: HungUpBy): void {
  if (peer.runsDialplan) hangupRequest(sim, peer, { cause: SOFT.DIALPLAN_ENDED, soft: true });
  sim.destroy(peer, cause, by);
}

/**
 * ARI `DELETE /channels/{id}`: HangupRequest 32 soft on the channel; a leg still being dialled also
 * gets Dial NOANSWER; the Local peer gets the reason's cause as a plain HangupRequest.
 */
export function appHangup(sim: SimEngine, ch: SimChannel, cause: number): void {
  if (ch.ending) return;
  if (ch.kind === 'half' && !ch.stasisApp) {
    farTeardown(sim, ch, cause, 'ari', 'app');
    return;
  }
  rtpQos(sim, ch);
  hangupRequest(sim, ch, { cause: SOFT.EXPLICIT, soft: true });
  if (ch.dial) {
    const dialstring = ch.dial.dialstring;
    ch.dial = undefined;
    const receivers = sim.channelReceivers(ch);
    if (receivers.size > 0)
      sim.publish(
        'Dial',
        { dialstatus: 'NOANSWER', forward: '', dialstring, peer: sim.channelJson(ch) },
        receivers,
      );
  } else {
    detach(sim, ch);
  }
  const peer = partner(sim, ch);
  if (peer) {
    hangupRequest(sim, peer, { cause });
    sim.destroy(ch, cause, 'app');
    endPeer(sim, peer, cause, 'app');
  } else {
    sim.destroy(ch, cause, 'app');
  }
}

/**
 * The far side hangs up: a phone (caller) or the dialled party. `via` says how the far side ended:
 * 'ari' as when the recording probe deleted the caller's `;1`, 'dialplan' as Hangup() in the far
 * end's dialplan. A single channel (SIP/IAX2) is its own far side.
 */
export function farTeardown(
  sim: SimEngine,
  far: SimChannel,
  cause: number,
  via: 'ari' | 'dialplan',
  by: HungUpBy,
): void {
  if (far.ending) return;
  const stasisSide = partner(sim, far);
  if (!stasisSide) {
    // Single channel. A phone's first request carries no cause (seen with IAX2 and PJSIP);
    // the cause follows once its dialplan thread has ended. A SIP BYE carries none either.
    rtpQos(sim, far);
    if (far.runsDialplan) {
      hangupRequest(sim, far, {});
      detach(sim, far);
      hangupRequest(sim, far, { cause });
    } else {
      hangupRequest(sim, far, isPjsip(far) && far.answeredAt !== undefined ? {} : { cause });
      detach(sim, far);
    }
    sim.destroy(far, cause, by);
    return;
  }
  if (via === 'ari') {
    hangupRequest(sim, far, { cause: SOFT.EXPLICIT, soft: true });
  } else {
    dialplanStep(sim, far, 'Hangup', '', far.dialplan.priority + 1);
    hangupRequest(sim, far, { cause: SOFT.DIALPLAN_ENDED, soft: true });
  }
  hangupRequest(sim, stasisSide, { cause });
  if (via === 'dialplan') sim.destroy(far, cause, by);
  stasisSide.dial = undefined;
  detach(sim, stasisSide);
  if (via === 'ari') endPeer(sim, far, cause, by);
  sim.destroy(stasisSide, cause, by);
}

/**
 * TIMEOUT(absolute) fired: no HangupRequest for the channel itself; it leaves bridge and Stasis,
 * its Local peer is hung up with the same cause. Cause 16 in a bridge, 0 when unbridged. The other
 * leg of the call is not touched.
 */
export function timeoutCut(sim: SimEngine, ch: SimChannel): void {
  if (ch.ending) return;
  const cause = ch.bridgeId !== undefined ? CAUSE.NORMAL_CLEARING : CAUSE.UNKNOWN;
  ch.dial = undefined;
  detach(sim, ch);
  // Out of the bridge already, so no peer gets the …BRIDGED variants (pjsip-b-answered).
  rtpQos(sim, ch);
  const peer = partner(sim, ch);
  if (peer) {
    hangupRequest(sim, peer, { cause });
    endPeer(sim, peer, cause, 'timeout');
  }
  sim.destroy(ch, cause, 'timeout');
}

/** The originate `timeout` ran out while the far end rang: cause 19, and no NOANSWER Dial event. */
export function ringTimeout(sim: SimEngine, ch: SimChannel): void {
  if (ch.ending) return;
  ch.dial = undefined;
  const peer = partner(sim, ch);
  if (peer) {
    hangupRequest(sim, peer, { cause: CAUSE.NO_ANSWER });
    sim.destroy(ch, CAUSE.NO_ANSWER, 'ring-timeout');
    endPeer(sim, peer, CAUSE.NO_ANSWER, 'ring-timeout');
  } else {
    sim.destroy(ch, CAUSE.NO_ANSWER, 'ring-timeout');
  }
}

/** The simulator shuts down: channels vanish without ceremony beyond ChannelDestroyed. */
export function shutdownChannel(sim: SimEngine, ch: SimChannel): void {
  if (ch.ending) return;
  sim.destroy(ch, CAUSE.NORMAL_CLEARING, 'shutdown');
}

/**
 * POST /channels/{id}/continue: the channel leaves Stasis and its dialplan runs on. The simulated
 * dialplan's next step is Hangup(), as in a typical `Stasis(...)` then `Hangup()` context.
 */
export function continueInDialplan(sim: SimEngine, ch: SimChannel): void {
  cutPlaybacks(sim, ch);
  leaveBridge(sim, ch);
  const app = ch.stasisApp;
  if (app) {
    sim.publishChannel(ch, 'StasisEnd');
    ch.stasisApp = undefined;
    if (!ch.subscribers.has(app)) sim.apps.untrackChannel(app, ch.id);
  }
  sim.schedule(ch, 0, () => {
    hangupRequest(sim, ch, { cause: SOFT.DIALPLAN_ENDED, soft: true });
    const peer = partner(sim, ch);
    if (peer) hangupRequest(sim, peer, { cause: CAUSE.NORMAL_CLEARING });
    sim.destroy(ch, CAUSE.NORMAL_CLEARING, 'dialplan');
    if (peer) endPeer(sim, peer, CAUSE.NORMAL_CLEARING, 'dialplan');
  });
}

/**
 * Ten thousand concurrent channels in one simulator. The app side is a bare websocket (ari-client
 * builds a resource object with every operation attached for each event, which would measure the
 * client, not the simulator); REST goes over plain HTTP.
 */
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { AriSimulator } from '../../daemon/src/sim/index.js';
import { inParallel, raw } from './helpers.js';

/** REST requests in flight at once (keep-alive connections reused, as a client pool would). */
const PARALLEL = 16;

describe('the simulator under load', function () {
  this.timeout(60_000);

  it('carries 10,000 concurrent channels and tears them down, events in order per channel', async () => {
    const sim = await AriSimulator.start({
      clock: 'manual',
      recordEvents: false,
      rules: [{ prefix: '', action: 'answer' }],
    });
    const ws = new WebSocket(
      `${sim.url.replace('http', 'ws')}/ari/events?app=astbill&api_key=astbill:astbill`,
    );
    const last = new Map<string, string>();
    let outOfOrder = 0;
    let stasisEnds = 0;
    ws.on('message', (data: Buffer) => {
      const e = JSON.parse(data.toString()) as { type: string; channel?: { id: string } };
      const id = e.channel?.id;
      if (!id) return;
      const prev = last.get(id);
      if (e.type === 'StasisStart' && prev === 'StasisEnd') outOfOrder++;
      if (e.type === 'StasisEnd') {
        if (prev === undefined) outOfOrder++;
        stasisEnds++;
      }
      last.set(id, e.type);
    });
    await new Promise((resolve) => ws.once('open', resolve));
    try {
      const CALLS = 5000; // a caller channel + an originated SIP leg each = 10,000 channels
      const callers = [];
      for (let i = 0; i < CALLS; i++)
        callers.push(
          sim.placeCall({ exten: `49${i}`, peer: `sub${i}`, hangupAfterMs: 60_000 + i }),
        );
      // Most B legs in-process; a slice over HTTP so that the wire path carries load too.
      const OVER_HTTP = 500;
      for (let i = 0; i < CALLS - OVER_HTTP; i++) {
        sim.originate({
          endpoint: `PJSIP/1555${i}@trunk`,
          app: 'astbill',
          channelId: `b-${callers[i]!.channelId}`,
        });
      }
      await inParallel(callers.slice(CALLS - OVER_HTTP), PARALLEL, async (c, k) => {
        const r = await raw(
          sim,
          'POST',
          `/ari/channels?endpoint=PJSIP/1666${k}@trunk&app=astbill&channelId=b-${c.channelId}`,
        );
        assert.equal(r.status, 200);
      });
      assert.equal(sim.channelCount(), 2 * CALLS);

      sim.manualClock.advance(60_000 + CALLS); // every caller hangs up, one per ms
      assert.equal(sim.channelCount(), CALLS);
      for (const c of callers.slice(0, CALLS - OVER_HTTP)) sim.hangup(`b-${c.channelId}`);
      await inParallel(callers.slice(CALLS - OVER_HTTP), PARALLEL, (c) =>
        raw(sim, 'DELETE', `/ari/channels/b-${c.channelId}`),
      );
      assert.equal(sim.channelCount(), 0);
      // waitUntil also polls, so it sees the websocket catching up after the last state change.
      await sim.waitUntil(() => stasisEnds === 2 * CALLS, { timeoutMs: 30_000 });
      assert.equal(stasisEnds, 2 * CALLS);
      assert.equal(outOfOrder, 0);
      assert.equal(sim.endedChannels().length, 2 * CALLS);
    } finally {
      ws.close();
      await sim.close();
    }
  });
});

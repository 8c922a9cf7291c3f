/**
 * A chaos run always ends: the world's shutdown moves the fake clock while the daemons close, so
 * a call whose end never comes (no websocket, its hang-up failing) is given up on by the
 * daemon's own bounded waits instead of keeping the run alive forever (seed 35 once hung).
 */
import assert from 'node:assert/strict';
import { scratchDatabase } from '../support/db.js';
import { World } from './world.js';

describe('chaos: the end of a run', function () {
  this.timeout(60_000);

  it('shuts down with a call up whose hang-up fails and whose websocket is gone', async () => {
    const tdb = scratchDatabase(undefined);
    await tdb.create();
    const world = await World.start({
      tdb,
      startTime: Date.UTC(2026, 10, 22, 10),
      boxes: 1,
      rules: [{ prefix: '4412', action: 'answer' }],
      slowMs: 150,
      env: {},
    });
    try {
      await world.t.seedRate({
        prefix: '44',
        rate: '0.06',
        connect: '0',
        initial: 1,
        increment: 1,
      });
      const acct = await world.t.seedAccount({ balance: '5' });
      const sim = world.seats[0]!.box.sim;
      const call = sim.placeCall({ exten: '4412', accountcode: acct.name });
      for (let i = 0; i < 20 && sim.bridges().length === 0; i++) {
        world.clock.advance(500);
        await world.quiesce();
      }
      assert.equal(sim.channel(call.channelId)?.state, 'Up', 'talking');
      sim.faults.add({ path: '/events', status: 503 });
      sim.faults.add({ method: 'DELETE', path: /^\/channels\//, status: 500 });
      sim.dropWebsockets('astbill');
      await world.until('the app disconnected', () => !sim.appConnected('astbill'));
      await world.close(); // before the fix: never resolved (mocha's timeout)
    } finally {
      await tdb.destroy();
    }
  });
});

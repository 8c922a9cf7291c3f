/** Grant-mode test helpers: ride the sim clock through a call's grants (test/e2e/grant-mode.test.ts). */
import assert from 'node:assert/strict';
import { settled, waitFor, type E2e } from './harness.js';

/**
 * TIMEOUT(absolute) is set to the time LEFT of a grant, to the millisecond: a deadline is the
 * grant's end exactly (the sim clock only moves once the daemon is idle, so the request takes no
 * sim time; against Asterisk it comes the request's latency late, never billed).
 */
export function near(actual: number | undefined, expected: number, what: string): void {
  assert.equal(actual, expected, `${what}: ${actual} is not the grant's end ${expected}`);
}

export const GRANT_ENV = {
  ASTBILL_CHARGING_MODE: 'grant',
  ASTBILL_GRANT_SECONDS: '60',
  ASTBILL_GRANT_MARGIN: '10',
  ASTBILL_GRANT_DEADLINE_MS: '2500',
};

/**
 * Moves the sim clock through the calls' grants: straight to 11 s before the nearest
 * TIMEOUT(absolute) deadline, then in 100 ms steps, pausing (real time) where the daemon
 * extends so that its 2.5 s deadline, measured on the sim clock, is not eaten by machine load. Returns every deadline each A leg had, in order.
 */
export async function ride(
  e: E2e,
  channels: string[],
  opts: { until?: number } = {},
): Promise<Map<string, number[]>> {
  const seen = new Map(channels.map((c) => [c, [] as number[]]));
  const deadlines = () =>
    channels
      .map((c) => e.sim.channel(c)?.absoluteDeadline)
      .filter((d): d is number => d !== undefined);
  const waited = new Set<number>();
  for (let i = 0; i < 20_000; i++) {
    const live = channels
      .map((c) => [c, e.sim.channel(c)] as const)
      .filter(([, ch]) => ch !== undefined);
    let moved = false;
    for (const [c, ch] of live) {
      const list = seen.get(c)!;
      if (ch!.absoluteDeadline !== undefined && list.at(-1) !== ch!.absoluteDeadline) {
        list.push(ch!.absoluteDeadline);
        moved = true;
      }
    }
    if (moved) await settled(e); // the daemon has finished handling the extension
    const now = e.sim.manualClock.now();
    if (live.length === 0 || (opts.until !== undefined && now >= opts.until)) return seen;
    const nearest = Math.min(...deadlines());
    // The extension is asked 10 s before the grant's end (the deadline is that end, or up to
    // 1.25 s before it): once it is surely asked, give the daemon real time to commit and move
    // the deadline before the sim clock goes on (a loaded machine must not turn into a timeout).
    if (now >= nearest - 8_700 && !waited.has(nearest)) {
      waited.add(nearest);
      await waitFor(
        'the deadline to move',
        () => !deadlines().includes(nearest) || deadlines().length === 0,
        3_000,
      ).catch(() => undefined);
      continue;
    }
    const target = Math.min(nearest - 11_000, opts.until ?? Infinity);
    e.advance(target > now ? target - now : 100);
    await settled(e);
  }
  throw new Error('ride: too many steps');
}

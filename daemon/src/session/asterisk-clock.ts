/**
 * Asterisk's time, as the daemon can prove it. Billsec is measured on Asterisk's clock (event
 * timestamps); a moment the daemon stamps itself ("confirmed up" by a checkpoint, a channel list,
 * the websocket's last word) must be on the same clock, or a step of the daemon's wall clock
 * (NTP, an operator) bills time nobody talked. So such moments are taken from the last ARI event:
 * its timestamp plus the monotonic time since it arrived. That is never later than Asterisk's
 * real time (the event was stamped before it arrived), whatever the wall clock does. Until an
 * event has arrived (just after a start) the wall clock stands in.
 *
 *   const ast = new AsteriskClock(systemClock);
 *   ast.observe(event.at);          // every ARI event
 *   const confirmedUp = ast.now();  // a moment to compare with Asterisk's answer time
 */
import type { DaemonClock, TimerHandle } from './clock.js';

export class AsteriskClock implements DaemonClock {
  /** Asterisk's time minus the monotonic clock, from the last event (null: none yet). */
  private offset: number | null = null;

  constructor(private readonly clock: DaemonClock) {}

  /** An ARI event stamped `at` by Asterisk has just arrived. */
  observe(at: Date): void {
    // The latest event, not the largest offset: if Asterisk's own clock steps, follow it.
    this.offset = at.getTime() - this.clock.monotonicMs();
  }

  now(): Date {
    return this.offset === null
      ? this.clock.now()
      : new Date(this.clock.monotonicMs() + this.offset);
  }

  monotonicMs(): number {
    return this.clock.monotonicMs();
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    return this.clock.setTimer(ms, fn);
  }
}

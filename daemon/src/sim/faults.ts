/**
 * Fault injection for the simulator's REST side: an Asterisk that answers slowly, fails with an
 * HTTP error, or never answers at all. Rules match a method and a path (under /ari, e.g.
 * `/channels/123/answer`), the first matching rule with uses left applies; delays are wall-clock
 * time (a slow network or a busy Asterisk), whatever the simulator's clock.
 *
 *   const off = sim.faults.add({ method: 'POST', path: /^\/bridges/, status: 500, times: 1 });
 *   sim.faults.add({ path: /\/answer$/, delayMs: 2000 });      // slow, then handled normally
 *   sim.faults.add({ path: '/bridges', replyDelayMs: 2000 });   // handled now, answer arrives late
 *   sim.faults.add({ path: /^\/channels$/, method: 'POST', hang: true }); // never answered
 *   sim.faults.add({ method: 'DELETE', path: /^\/channels\//, drop: true, times: 3 }); // connection closed
 *   off(); sim.faults.clear();
 */

export interface FaultRule {
  /** HTTP method (any when absent). */
  method?: string;
  /** Path under /ari (with the leading '/'); a string matches exactly. */
  path: RegExp | string;
  /** Wait this long (real ms) before answering (or failing). */
  delayMs?: number;
  /**
   * Handle the request at once but hold the answer this long (real ms): what the client learns is
   * already old when it arrives (Asterisk answered; the network or a busy client was slow).
   */
  replyDelayMs?: number;
  /** Answer with this HTTP status instead of handling the request. */
  status?: number;
  /** Body sent with `status` (default `{"message":"Internal Server Error"}`). */
  body?: unknown;
  /** Never answer (the connection stays open until the client gives up or the server closes). */
  hang?: boolean;
  /**
   * Close the connection without answering, as Asterisk's HTTP server does to a connection over
   * its session limit (http.conf sessionlimit, 100 by default) or to a keep-alive socket it has
   * just closed as idle: the client sees "socket hang up" (ECONNRESET).
   */
  drop?: boolean;
  /** How many requests it applies to (default: all). */
  times?: number;
}

export interface FaultHit {
  method: string;
  path: string;
  delayMs: number;
  replyDelayMs: number;
  status: number | null;
  body: unknown;
  hang: boolean;
  drop: boolean;
}

interface Armed {
  rule: FaultRule;
  left: number;
}

export class FaultInjector {
  private rules: Armed[] = [];
  /** Every request a rule applied to, oldest first. */
  readonly hits: FaultHit[] = [];

  /** Adds a rule; returns a function that removes it. */
  add(rule: FaultRule): () => void {
    const armed: Armed = { rule, left: rule.times ?? Number.POSITIVE_INFINITY };
    this.rules.push(armed);
    return () => {
      this.rules = this.rules.filter((r) => r !== armed);
    };
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault for this request, if any (uses one of the rule's `times`). */
  take(method: string, path: string): FaultHit | null {
    for (const armed of this.rules) {
      const { rule } = armed;
      if (armed.left <= 0) continue;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (typeof rule.path === 'string' ? rule.path !== path : !rule.path.test(path)) continue;
      armed.left -= 1;
      const hit: FaultHit = {
        method,
        path,
        delayMs: rule.delayMs ?? 0,
        replyDelayMs: rule.replyDelayMs ?? 0,
        status: rule.status ?? null,
        body:
          rule.body ??
          (rule.status !== undefined ? { message: 'Internal Server Error' } : undefined),
        hang: rule.hang ?? false,
        drop: rule.drop ?? false,
      };
      this.hits.push(hit);
      return hit;
    }
    return null;
  }
}

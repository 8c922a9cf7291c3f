/**
 * Which failed trunk attempt moves the call to the next trunk, and which ends it. Decided by
 * the Q.850 hang-up cause and, when the channel gave one, the SIP status in `tech_cause` — never
 * by dialstatus: in Asterisk's PJSIP recordings a carrier's 404 arrives as dialstatus NOANSWER
 * with cause 1, and a 603 as NOANSWER with cause 21.
 *
 *   outcome                                         default        setting
 *   cause 17 busy, 19 no answer, 21 rejected,       end the call   (fixed: never re-ring a
 *     18 no user response, the caller hung up                       callee who answered "no")
 *   cause 1 unallocated on this carrier,            next trunk     ASTBILL_FAILOVER_CAUSES
 *     34 congestion, 38 network out of order,
 *     41 temporary failure, 42 switch congestion,
 *     47 resource unavailable
 *   SIP 404, 5xx (e.g. 503 Service Unavailable)     next trunk     ASTBILL_FAILOVER_SIP
 *   the trunk is at its channel limit               next trunk     (always; nothing was dialled)
 *   the originate request failed (no cause)         next trunk     (always)
 *   anything else                                   end the call
 */
import type { DialOutcome } from './call-events.js';

export interface FailoverTable {
  /** Q.850 causes that move to the next trunk. */
  causes: readonly number[];
  /** SIP statuses (tech_cause) that move to the next trunk; 500-599 written as 5xx. */
  sip: readonly number[];
}

/** Causes that always end the call, whatever the table says. */
export const ENDING_CAUSES: readonly number[] = [17, 18, 19, 21];

export const DEFAULT_FAILOVER: FailoverTable = {
  causes: [1, 34, 38, 41, 42, 47],
  sip: [404, ...Array.from({ length: 100 }, (_, i) => 500 + i)],
};

export function shouldFailOver(
  outcome: Extract<DialOutcome, { kind: 'failed' }>,
  table: FailoverTable = DEFAULT_FAILOVER,
): boolean {
  const { cause, techCause } = outcome;
  if (cause !== null && ENDING_CAUSES.includes(cause)) return false;
  if (cause === null && (techCause ?? null) === null) return outcome.failure === 'CHANUNAVAIL';
  if (cause !== null && table.causes.includes(cause)) return true;
  return techCause !== null && techCause !== undefined && table.sip.includes(techCause);
}

/**
 * What happens when the far end does not answer — busy, no answer, congestion, unavailable:
 * the CDR disposition the attempt is settled with, and how the caller is hung up.
 */
import type { HangupReason } from './call-control-port.js';
import type { LegFailure } from './call-events.js';
import type { Disposition } from './ports.js';

export const FAILURE_DISPOSITION: Readonly<Record<LegFailure, Disposition>> = {
  BUSY: 'BUSY',
  'NO ANSWER': 'NO ANSWER',
  CONGESTION: 'CONGESTION',
  // The CDR vocabulary has no CHANUNAVAIL: Asterisk's own CDR writes FAILED for it.
  CHANUNAVAIL: 'FAILED',
};

/** The hang-up cause the caller gets (a SIP caller sees 486/480/503). */
export const FAILURE_HANGUP: Readonly<Record<LegFailure, HangupReason>> = {
  BUSY: 'busy',
  'NO ANSWER': 'no_answer',
  CONGESTION: 'congestion',
  CHANUNAVAIL: 'congestion',
};

/** Q.850 cause numbers the simulator produces, with the text Asterisk puts in `cause_txt`. */
export const CAUSE = {
  UNKNOWN: 0,
  UNALLOCATED: 1,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  SUBSCRIBER_ABSENT: 20,
  CALL_REJECTED: 21,
  CONGESTION: 34,
} as const;

const TEXT: Record<number, string> = {
  0: 'Unknown',
  1: 'Unallocated (unassigned) number',
  16: 'Normal Clearing',
  17: 'User busy',
  18: 'No user responding',
  19: 'User alerting, no answer',
  20: 'Subscriber absent',
  21: 'Call Rejected',
  27: 'Destination out of order',
  31: 'Normal, unspecified',
  34: 'Circuit/channel congestion',
  38: 'Network out of order',
  41: 'Temporary failure',
  127: 'Interworking, unspecified',
};

export function causeText(cause: number): string {
  return TEXT[cause] ?? 'Unknown';
}

/** `DELETE /channels/{id}?reason=` names accepted by ARI and the cause each maps to. */
export const HANGUP_REASONS: Record<string, number> = {
  normal: 16,
  busy: 17,
  congestion: 34,
  no_answer: 19,
  timeout: 18,
  rejected: 21,
  unallocated: 1,
  normal_unspecified: 31,
  number_incomplete: 28,
  codec_mismatch: 58,
  interworking: 127,
  failure: 38,
  answered_elsewhere: 26,
};

/** Soft-hangup flags that appear as `cause` when a ChannelHangupRequest carries `soft: true`. */
export const SOFT = {
  /** The channel's dialplan thread ended (AST_SOFTHANGUP_APPUNLOAD). */
  DIALPLAN_ENDED: 16,
  /** ARI `DELETE /channels/{id}` (AST_SOFTHANGUP_EXPLICIT). */
  EXPLICIT: 32,
} as const;

/**
 * Recent answer-seizure ratio (ASR) of trunks: what breaks a least-cost tie. Two trunks that
 * cost the same for a destination are tried in the order of their ASR over the recent window
 * (answered attempts / attempts that reached the carrier), best first; a trunk with fewer than
 * `minAttempts` attempts in the window has no record yet and counts as 100 %, so a new or
 * long-idle trunk is tried until it has one. Equal ASRs keep the order by name. Exact integer
 * comparison (a/b vs c/d as a·d vs c·b), no floats.
 */
export interface TrunkAsr {
  /** Attempts in the window that the carrier answered or refused (caller hang-ups excluded). */
  attempts: number;
  answered: number;
}

export interface AsrRanking {
  /** By trunk name; a trunk not in the map has no attempts in the window. */
  byTrunk: ReadonlyMap<string, TrunkAsr>;
  minAttempts: number;
}

/** The ratio a trunk is ranked at, as a fraction; no record = 1/1. */
function ratio(asr: TrunkAsr | undefined, minAttempts: number): [bigint, bigint] {
  if (!asr || asr.attempts < Math.max(1, minAttempts)) return [1n, 1n];
  return [BigInt(asr.answered), BigInt(asr.attempts)];
}

/** Negative when trunk `a` has the better recent ASR (so it sorts first), 0 when equal. */
export function compareAsr(a: string, b: string, r: AsrRanking): number {
  const [an, ad] = ratio(r.byTrunk.get(a), r.minAttempts);
  const [bn, bd] = ratio(r.byTrunk.get(b), r.minAttempts);
  const d = bn * ad - an * bd;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/**
 * What the call flow asks the database about carrier routing (store/trunks.ts,
 * store/tx/trunk-claim.ts implement it). Optional in SessionDeps: without it, and without any
 * trunk in the database, every call is dialled through ASTBILL_DIAL as before routing existed.
 */
import type { Candidate, Rate, RoutePlan, TrunkAsr } from '../rating/index.js';

export interface RouteCandidates {
  /** false: no trunk exists at all, the call goes through ASTBILL_DIAL. */
  configured: boolean;
  plan: RoutePlan;
  /** Enabled trunks with a buy rate for the destination (unordered). */
  candidates: Candidate[];
}

export interface ClaimRequest {
  /** The call's uniqueid (its reservation and CDR). */
  uniqueid: string;
  trunkId: number;
  trunk: string;
  /** The B leg dialled on the trunk. */
  channel: string;
  node: string;
  buy: Rate;
  start: Date;
}

export type ClaimResult = { ok: true; attemptId: number } | { ok: false };

export interface AttemptOutcome {
  /** ANSWERED, a failure disposition (BUSY, CONGESTION, NO ANSWER, FAILED) or ABANDONED. */
  outcome: string;
  cause: number | null;
  techCause: number | null;
  /** When the outcome was known. */
  end: Date;
}

export interface RoutingStore {
  routeCandidates(tariff: string, dst: string): Promise<RouteCandidates>;
  /** ONE transaction: a channel of the trunk for this attempt, unless it is at its limit. */
  claimTrunk(req: ClaimRequest): Promise<ClaimResult>;
  closeAttempt(attemptId: number, o: AttemptOutcome): Promise<void>;
  /** Per trunk, attempts since `since` that ended at the carrier, and those answered. */
  recentAsr(since: Date): Promise<Map<string, TrunkAsr>>;
}

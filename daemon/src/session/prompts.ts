/**
 * Every sound astbill plays, in one place (Asterisk core sounds, English). A missing file is
 * not fatal: Asterisk reports the playback as failed and the call goes on.
 */
import { MINOR_PER_UNIT, type Money } from '../rating/index.js';

export const PROMPTS = {
  enterPin: ['sound:agent-pass'],
  pinIncorrect: ['sound:auth-incorrect'],
  goodbye: ['sound:vm-goodbye'],
  enterDestination: ['sound:vm-enter-num-to-call'],
  noService: ['sound:ss-noservice'],
  noCredit: ['sound:vm-nomore'],
  tooManyCalls: ['sound:all-circuits-busy-now'],
  error: ['sound:an-error-has-occured'],
  /** Played in the card flow when a destination did not answer, before asking for another. */
  tryAgain: ['sound:vm-nobodyavail'],
} as const;

/** "You have <units> dollars and <minutes> minutes": the balance and how long this call may last. */
export function balanceAnnouncement(available: Money, maxSeconds: number): string[] {
  const units = available > 0n ? available / MINOR_PER_UNIT : 0n;
  const minutes = Math.floor(maxSeconds / 60);
  return ['sound:vm-youhave', `number:${units.toString()}`, 'sound:dollars', 'sound:and', `number:${minutes}`, 'sound:minutes'];
}

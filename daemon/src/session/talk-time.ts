/** Talk time as astbill bills it: measured from Asterisk's own timestamps. */

/** Whole seconds from `from` to `to`, rounded down (as Asterisk's CDR does), never negative. */
export function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 1000));
}

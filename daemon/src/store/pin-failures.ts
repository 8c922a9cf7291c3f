/**
 * The astpinfail table (migration 0005) as the guessing limits' GuessLog: one INSERT per wrong
 * PIN or voucher code, two indexed reads per check (everyone's count in the window; one caller
 * ID's times), and a DELETE of rows past twice the window. Touches no money and no account row.
 */
import type { GuessLog } from '../session/guess-limiter.js';
import type { Db } from './db.js';
import { requiredTime, toDbTime } from './time.js';

/** The caller's rows read back at most (a lockout needs only the last few). */
const CALLER_ROWS = 1000;

export function knexGuessLog(db: Db): GuessLog {
  const { knex } = db;
  return {
    async record(f) {
      await knex('astpinfail').insert({
        kind: f.kind,
        caller: f.caller.slice(0, 80),
        node: f.node,
        at: toDbTime(f.at),
      });
    },
    async recent({ since, caller, callerSince }) {
      const [row] = await knex('astpinfail')
        .where('at', '>', toDbTime(since))
        .count<Array<{ n: number | string }>>({ n: '*' });
      const mine = caller
        ? await knex('astpinfail')
            .select('at')
            .where('caller', caller.slice(0, 80))
            .andWhere('at', '>', toDbTime(callerSince))
            .orderBy('at', 'desc')
            .limit(CALLER_ROWS)
        : [];
      return {
        total: Number(row?.n ?? 0),
        callerTimes: mine.map((r: { at: unknown }) => requiredTime(r.at)),
      };
    },
    async prune(before) {
      await knex('astpinfail').where('at', '<', toDbTime(before)).delete();
    },
  };
}

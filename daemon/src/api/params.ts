/** Parsers for values that arrive as text (money, dates) with the API's 400 messages. */
import { parseMoney, type Money } from '../rating/index.js';
import { badRequest } from './http-error.js';

export function moneyParam(name: string, text: string): Money {
  try {
    return parseMoney(text);
  } catch (err) {
    throw badRequest(`'${name}': ${(err as Error).message}`);
  }
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A calendar day 'YYYY-MM-DD' as its UTC midnight; throws a 400 for anything else. */
export function dayParam(name: string, text: string): Date {
  const m = DATE_ONLY.exec(text);
  if (m) {
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    if (d.toISOString().slice(0, 10) === text) return d;
  }
  throw badRequest(`'${name}' must be a date YYYY-MM-DD, got '${text}'`);
}

/** 'YYYY-MM-DD' (UTC midnight) or an ISO 8601 time with a zone ('2026-11-21T10:00:00Z'). */
export function timeParam(name: string, text: string): Date {
  if (DATE_ONLY.test(text)) return dayParam(name, text);
  if (DATE_TIME.test(text)) {
    const d = new Date(text);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw badRequest(
    `'${name}' must be YYYY-MM-DD or an ISO 8601 time with a zone (e.g. 2026-11-21T10:00:00Z), got '${text}'`,
  );
}

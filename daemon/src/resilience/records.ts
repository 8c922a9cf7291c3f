/**
 * What the journal holds, and its line format. One record = one JSON object on one line:
 *
 *   {"v":1,"id":"…","at":"2026-…Z","kind":"settle","uniqueid":"…","settle":{…}}
 *
 * Money is a decimal string of bigint minor units ("150000"), times are ISO strings. Reading
 * is strict: a line that is not a complete, well-formed record is rejected as a whole (a torn
 * last line after a crash, a damaged line) and reported, never half-used.
 *
 * Kinds and what replaying one does:
 *   settle        store.settle(req)                      a settlement the database did not take
 *   refusal       store.recordRefusal(rec)               the FAILED CDR of a refused attempt
 *   answer        store.markAnswered(uniqueid, answer)   an answer time (also marks an outage grant answered)
 *   outage-grant  (nothing by itself)                    a capped call allowed while the database failed
 *   outage-call   late charge (CDR + debit + ledger)     that call's end: charged when the database is back
 */
import type { Money, Rate } from '../rating/index.js';
import {
  DISPOSITIONS,
  END_SOURCES,
  REFUSAL_REASONS,
  type AuthoriseRequest,
  type Disposition,
  type EndSource,
  type RefusalReason,
  type RefusalRecord,
  type SettleRequest,
} from '../session/ports.js';

/** A call allowed under the allow-capped policy while the database failed. */
export interface OutageGrant {
  req: AuthoriseRequest;
  maxSeconds: number;
  maxCost: Money;
}

export type JournalEntry =
  | { kind: 'settle'; uniqueid: string; settle: SettleRequest }
  | { kind: 'refusal'; uniqueid: string; refusal: RefusalRecord }
  | { kind: 'answer'; uniqueid: string; answer: Date }
  | { kind: 'outage-grant'; uniqueid: string; grant: OutageGrant }
  | { kind: 'outage-call'; uniqueid: string; grant: OutageGrant; settle: SettleRequest };

export type JournalKind = JournalEntry['kind'];

export type JournalRecord = JournalEntry & {
  /** Unique per record; the done file lists these. */
  id: string;
  /** When it was journaled. */
  at: Date;
};

export const FORMAT_VERSION = 1;

// ------------------------------------------------------------------ writing

const iso = (d: Date) => d.toISOString();

function settleJson(s: SettleRequest) {
  return {
    uniqueid: s.uniqueid,
    disposition: s.disposition,
    hangupCause: s.hangupCause,
    answer: s.answer ? iso(s.answer) : null,
    end: iso(s.end),
    billsec: s.billsec,
    note: s.note ?? null,
    ...(s.endSource ? { endSource: s.endSource } : {}),
  };
}

function rateJson(r: Rate) {
  return {
    tariff: r.tariff,
    prefix: r.prefix,
    description: r.description,
    ratePerMin: r.ratePerMin.toString(),
    connectFee: r.connectFee.toString(),
    initialSecs: r.initialSecs,
    incrementSecs: r.incrementSecs,
    minSecs: r.minSecs,
  };
}

function grantJson(g: OutageGrant) {
  const q = g.req;
  return {
    req: {
      uniqueid: q.uniqueid,
      accountId: q.accountId,
      src: q.src,
      dst: q.dst,
      rate: rateJson(q.rate),
      node: q.node,
      defaultMaxSeconds: q.defaultMaxSeconds,
      start: iso(q.start),
    },
    maxSeconds: g.maxSeconds,
    maxCost: g.maxCost.toString(),
  };
}

/** The line (with its newline) for one record. */
export function toLine(r: JournalRecord): string {
  const head = { v: FORMAT_VERSION, id: r.id, at: iso(r.at), kind: r.kind, uniqueid: r.uniqueid };
  let body: Record<string, unknown>;
  switch (r.kind) {
    case 'settle':
      body = { settle: settleJson(r.settle) };
      break;
    case 'refusal':
      body = { refusal: { ...r.refusal, start: iso(r.refusal.start) } };
      break;
    case 'answer':
      body = { answer: iso(r.answer) };
      break;
    case 'outage-grant':
      body = { grant: grantJson(r.grant) };
      break;
    case 'outage-call':
      body = { grant: grantJson(r.grant), settle: settleJson(r.settle) };
      break;
  }
  return JSON.stringify({ ...head, ...body }) + '\n';
}

// ------------------------------------------------------------------ reading

export class BadRecord extends Error {
  override name = 'BadRecord';
}

type Obj = Record<string, unknown>;

function obj(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new BadRecord(`${what} is not an object`);
  return v as Obj;
}

function str(o: Obj, k: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw new BadRecord(`${k} is not a string`);
  return v;
}

function nullableStr(o: Obj, k: string): string | null {
  const v = o[k];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new BadRecord(`${k} is not a string`);
  return v;
}

function int(o: Obj, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw new BadRecord(`${k} is not a whole number`);
  return v;
}

function nullableInt(o: Obj, k: string): number | null {
  return o[k] === null || o[k] === undefined ? null : int(o, k);
}

function date(o: Obj, k: string): Date {
  const s = str(o, k);
  const d = new Date(s);
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(s))
    throw new BadRecord(`${k} is not an ISO time`);
  return d;
}

function nullableDate(o: Obj, k: string): Date | null {
  return o[k] === null || o[k] === undefined ? null : date(o, k);
}

function money(o: Obj, k: string): Money {
  const s = str(o, k);
  if (!/^-?\d{1,30}$/.test(s)) throw new BadRecord(`${k} is not an amount in minor units`);
  return BigInt(s);
}

function settleFrom(v: unknown): SettleRequest {
  const o = obj(v, 'settle');
  const disposition = str(o, 'disposition') as Disposition;
  if (!DISPOSITIONS.includes(disposition))
    throw new BadRecord(`unknown disposition ${disposition}`);
  const note = nullableStr(o, 'note');
  const endSource = o['endSource'] === undefined ? null : (str(o, 'endSource') as EndSource);
  if (endSource !== null && !END_SOURCES.includes(endSource))
    throw new BadRecord(`unknown end source ${endSource}`);
  return {
    uniqueid: str(o, 'uniqueid'),
    disposition,
    hangupCause: nullableInt(o, 'hangupCause'),
    answer: nullableDate(o, 'answer'),
    end: date(o, 'end'),
    billsec: int(o, 'billsec'),
    ...(note !== null ? { note } : {}),
    ...(endSource !== null ? { endSource } : {}),
  };
}

function rateFrom(v: unknown): Rate {
  const o = obj(v, 'rate');
  return {
    tariff: str(o, 'tariff'),
    prefix: str(o, 'prefix'),
    description: str(o, 'description'),
    ratePerMin: money(o, 'ratePerMin'),
    connectFee: money(o, 'connectFee'),
    initialSecs: int(o, 'initialSecs'),
    incrementSecs: int(o, 'incrementSecs'),
    minSecs: int(o, 'minSecs'),
  };
}

function grantFrom(v: unknown): OutageGrant {
  const o = obj(v, 'grant');
  const q = obj(o.req, 'grant.req');
  return {
    req: {
      uniqueid: str(q, 'uniqueid'),
      accountId: int(q, 'accountId'),
      src: str(q, 'src'),
      dst: str(q, 'dst'),
      rate: rateFrom(q.rate),
      node: str(q, 'node'),
      defaultMaxSeconds: int(q, 'defaultMaxSeconds'),
      start: date(q, 'start'),
    },
    maxSeconds: int(o, 'maxSeconds'),
    maxCost: money(o, 'maxCost'),
  };
}

function refusalFrom(v: unknown): RefusalRecord {
  const o = obj(v, 'refusal');
  const reason = str(o, 'reason') as RefusalReason;
  if (!REFUSAL_REASONS.includes(reason)) throw new BadRecord(`unknown refusal reason ${reason}`);
  return {
    uniqueid: str(o, 'uniqueid'),
    accountId: nullableInt(o, 'accountId'),
    src: str(o, 'src'),
    dst: str(o, 'dst'),
    reason,
    node: str(o, 'node'),
    start: date(o, 'start'),
  };
}

/** Parses one line (without its newline); throws BadRecord (or SyntaxError) when it is not a whole record. */
export function fromLine(line: string): JournalRecord {
  const o = obj(JSON.parse(line), 'record');
  if (o.v !== FORMAT_VERSION) throw new BadRecord(`unknown format version ${String(o.v)}`);
  const head = { id: str(o, 'id'), at: date(o, 'at'), uniqueid: str(o, 'uniqueid') };
  const kind = str(o, 'kind');
  switch (kind) {
    case 'settle':
      return { ...head, kind, settle: settleFrom(o.settle) };
    case 'refusal':
      return { ...head, kind, refusal: refusalFrom(o.refusal) };
    case 'answer':
      return { ...head, kind, answer: date(o, 'answer') };
    case 'outage-grant':
      return { ...head, kind, grant: grantFrom(o.grant) };
    case 'outage-call':
      return { ...head, kind, grant: grantFrom(o.grant), settle: settleFrom(o.settle) };
    default:
      throw new BadRecord(`unknown kind ${kind}`);
  }
}

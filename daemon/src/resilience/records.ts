/**
 * What the journal holds, and its line format. One record = one JSON object on one line:
 *
 *   {"v":1,"id":"…","at":"2026-…Z","kind":"settle","uniqueid":"…","settle":{…}}
 *
 * Money is a decimal string of bigint minor units ("150000"), times are ISO strings. The line
 * format is declared once, as schemas (below); the writer builds values of their types and the
 * reader checks a line against them. Reading is strict: a line that is not a complete,
 * well-formed record is rejected as a whole (a torn last line after a crash, a damaged line)
 * and reported, never half-used.
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
  findProblem,
  Nullable,
  StringEnum,
  Type,
  type Static,
  type TSchema,
} from '../schema/index.js';
import { DISPOSITIONS, END_SOURCES, REFUSAL_REASONS } from '../domain/cdr-vocabulary.js';
import type { AuthoriseRequest, RefusalRecord, SettleRequest } from '../session/ports.js';

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

// ------------------------------------------------------------------ the line format

const Iso = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T', description: 'ISO 8601 time' });
const Minor = Type.String({ pattern: '^-?\\d{1,30}$', description: 'amount in minor units' });
const Count = Type.Integer();
/** Fields the writer always writes, but older lines may lack: absent reads as null. */
const Maybe = <T extends TSchema>(t: T) => Type.Optional(Nullable(t));

const settleLine = Type.Object({
  uniqueid: Type.String(),
  disposition: StringEnum(DISPOSITIONS),
  hangupCause: Maybe(Count),
  answer: Maybe(Iso),
  end: Iso,
  billsec: Count,
  note: Maybe(Type.String()),
  /** How an end the daemon did not see was decided (session/unseen-end.ts); absent when seen. */
  endSource: Type.Optional(StringEnum(END_SOURCES)),
});

const rateLine = Type.Object({
  tariff: Type.String(),
  prefix: Type.String(),
  description: Type.String(),
  ratePerMin: Minor,
  connectFee: Minor,
  initialSecs: Count,
  incrementSecs: Count,
  minSecs: Count,
  /** A banded rate's time bands (rating/bands.ts): replay prices per band like settle. Lines
   *  written before bands were journaled lack it and replay at the one price they kept. */
  banding: Type.Optional(
    Type.Object({
      zone: Type.String(),
      bands: Type.Array(
        Type.Object({
          name: Type.String(),
          days: Type.Array(Count),
          from: Count,
          to: Count,
          ratePerMin: Minor,
          connectFee: Type.Optional(Minor),
        }),
      ),
    }),
  ),
});

const grantLine = Type.Object({
  req: Type.Object({
    uniqueid: Type.String(),
    accountId: Count,
    src: Type.String(),
    dst: Type.String(),
    rate: rateLine,
    node: Type.String(),
    defaultMaxSeconds: Count,
    start: Iso,
  }),
  maxSeconds: Count,
  maxCost: Minor,
});

const refusalLine = Type.Object({
  uniqueid: Type.String(),
  accountId: Maybe(Count),
  src: Type.String(),
  dst: Type.String(),
  reason: StringEnum(REFUSAL_REASONS),
  node: Type.String(),
  start: Iso,
  end: Type.Optional(Iso),
  note: Type.Optional(Type.String()),
});

const headLine = Type.Object({
  v: Type.Integer(),
  id: Type.String(),
  at: Iso,
  kind: StringEnum(['settle', 'refusal', 'answer', 'outage-grant', 'outage-call']),
  uniqueid: Type.String(),
});

/** What follows the head, per kind. */
const bodyLine = {
  settle: Type.Object({ settle: settleLine }),
  refusal: Type.Object({ refusal: refusalLine }),
  answer: Type.Object({ answer: Iso }),
  'outage-grant': Type.Object({ grant: grantLine }),
  'outage-call': Type.Object({ grant: grantLine, settle: settleLine }),
} satisfies Record<JournalKind, TSchema>;

type SettleLine = Static<typeof settleLine>;
type RateLine = Static<typeof rateLine>;
type GrantLine = Static<typeof grantLine>;
type RefusalLine = Static<typeof refusalLine>;

// ------------------------------------------------------------------ writing

const iso = (d: Date) => d.toISOString();

function settleJson(s: SettleRequest): SettleLine {
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

function rateJson(r: Rate): RateLine {
  return {
    tariff: r.tariff,
    prefix: r.prefix,
    description: r.description,
    ratePerMin: r.ratePerMin.toString(),
    connectFee: r.connectFee.toString(),
    initialSecs: r.initialSecs,
    incrementSecs: r.incrementSecs,
    minSecs: r.minSecs,
    ...(r.banding
      ? {
          banding: {
            zone: r.banding.zone,
            bands: r.banding.bands.map((b) => ({
              name: b.name,
              days: [...b.days],
              from: b.from,
              to: b.to,
              ratePerMin: b.ratePerMin.toString(),
              ...(b.connectFee !== undefined ? { connectFee: b.connectFee.toString() } : {}),
            })),
          },
        }
      : {}),
  };
}

function grantJson(g: OutageGrant): GrantLine {
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

function refusalJson(r: RefusalRecord): RefusalLine {
  return {
    uniqueid: r.uniqueid,
    accountId: r.accountId,
    src: r.src,
    dst: r.dst,
    reason: r.reason,
    node: r.node,
    start: iso(r.start),
    ...(r.end ? { end: iso(r.end) } : {}),
    ...(r.note !== undefined ? { note: r.note } : {}),
  };
}

/** The line (with its newline) for one record. */
export function toLine(r: JournalRecord): string {
  const head: Static<typeof headLine> = {
    v: FORMAT_VERSION,
    id: r.id,
    at: iso(r.at),
    kind: r.kind,
    uniqueid: r.uniqueid,
  };
  let body: Static<(typeof bodyLine)[JournalKind]>;
  switch (r.kind) {
    case 'settle':
      body = { settle: settleJson(r.settle) };
      break;
    case 'refusal':
      body = { refusal: refusalJson(r.refusal) };
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

function checked<S extends TSchema>(schema: S, value: unknown): Static<S> {
  const problem = findProblem(schema, value, { name: (path) => path });
  if (problem) throw new BadRecord(problem.replace(/^the body/, 'the record'));
  return value as Static<S>;
}

function date(s: string): Date {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new BadRecord(`${s} is not an ISO time`);
  return d;
}

const maybeDate = (s: string | null | undefined) => (s == null ? null : date(s));

function settleFrom(o: SettleLine): SettleRequest {
  return {
    uniqueid: o.uniqueid,
    disposition: o.disposition,
    hangupCause: o.hangupCause ?? null,
    answer: maybeDate(o.answer),
    end: date(o.end),
    billsec: o.billsec,
    ...(o.note != null ? { note: o.note } : {}),
    ...(o.endSource !== undefined ? { endSource: o.endSource } : {}),
  };
}

// Fields are copied one by one: a line may carry fields we do not know, and they stay behind.

function rateFrom(o: RateLine): Rate {
  return {
    tariff: o.tariff,
    prefix: o.prefix,
    description: o.description,
    ratePerMin: BigInt(o.ratePerMin),
    connectFee: BigInt(o.connectFee),
    initialSecs: o.initialSecs,
    incrementSecs: o.incrementSecs,
    minSecs: o.minSecs,
    ...(o.banding
      ? {
          banding: {
            zone: o.banding.zone,
            bands: o.banding.bands.map((b) => ({
              name: b.name,
              days: b.days,
              from: b.from,
              to: b.to,
              ratePerMin: BigInt(b.ratePerMin),
              ...(b.connectFee !== undefined ? { connectFee: BigInt(b.connectFee) } : {}),
            })),
          },
        }
      : {}),
  };
}

function grantFrom(o: GrantLine): OutageGrant {
  const q = o.req;
  return {
    req: {
      uniqueid: q.uniqueid,
      accountId: q.accountId,
      src: q.src,
      dst: q.dst,
      rate: rateFrom(q.rate),
      node: q.node,
      defaultMaxSeconds: q.defaultMaxSeconds,
      start: date(q.start),
    },
    maxSeconds: o.maxSeconds,
    maxCost: BigInt(o.maxCost),
  };
}

function refusalFrom(o: RefusalLine): RefusalRecord {
  return {
    uniqueid: o.uniqueid,
    accountId: o.accountId ?? null,
    src: o.src,
    dst: o.dst,
    reason: o.reason,
    node: o.node,
    start: date(o.start),
    ...(o.end !== undefined ? { end: date(o.end) } : {}),
    ...(o.note !== undefined ? { note: o.note } : {}),
  };
}

/** Parses one line (without its newline); throws BadRecord (or SyntaxError) when it is not a whole record. */
export function fromLine(line: string): JournalRecord {
  const raw: unknown = JSON.parse(line);
  const o = checked(headLine, raw);
  if (o.v !== FORMAT_VERSION) throw new BadRecord(`unknown format version ${o.v}`);
  const head = { id: o.id, at: date(o.at), uniqueid: o.uniqueid };
  switch (o.kind) {
    case 'settle': {
      const b = checked(bodyLine.settle, raw);
      return { ...head, kind: o.kind, settle: settleFrom(b.settle) };
    }
    case 'refusal': {
      const b = checked(bodyLine.refusal, raw);
      return { ...head, kind: o.kind, refusal: refusalFrom(b.refusal) };
    }
    case 'answer':
      return { ...head, kind: o.kind, answer: date(checked(bodyLine.answer, raw).answer) };
    case 'outage-grant':
      return {
        ...head,
        kind: o.kind,
        grant: grantFrom(checked(bodyLine['outage-grant'], raw).grant),
      };
    case 'outage-call': {
      const b = checked(bodyLine['outage-call'], raw);
      return { ...head, kind: o.kind, grant: grantFrom(b.grant), settle: settleFrom(b.settle) };
    }
  }
}

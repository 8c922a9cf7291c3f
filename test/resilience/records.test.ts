/** The journal's line format: every kind reads back as written; damaged lines are refused whole. */
import assert from 'node:assert/strict';
import {
  BadRecord,
  fromLine,
  toLine,
  type JournalRecord,
} from '../../daemon/src/resilience/records.js';

const at = new Date('2026-11-22T10:01:00.000Z');
const settle = {
  uniqueid: 'c1',
  disposition: 'ANSWERED' as const,
  hangupCause: 16,
  answer: new Date('2026-11-22T10:00:05.000Z'),
  end: new Date('2026-11-22T10:00:47.250Z'),
  billsec: 42,
  note: 'ended by astbill: limit',
};
const grant = {
  req: {
    uniqueid: 'c2',
    accountId: 7,
    src: '15550101',
    dst: '4420123',
    rate: {
      tariff: 'default',
      prefix: '44',
      description: 'UK',
      ratePerMin: 6000n,
      connectFee: 0n,
      initialSecs: 60,
      incrementSecs: 6,
      minSecs: 0,
    },
    node: 'n1',
    defaultMaxSeconds: 3600,
    start: new Date('2026-11-22T10:00:00.000Z'),
  },
  maxSeconds: 300,
  maxCost: 30000n,
};

const records: JournalRecord[] = [
  { id: 'r1', at, kind: 'settle', uniqueid: 'c1', settle },
  {
    id: 'r2',
    at,
    kind: 'settle',
    uniqueid: 'c1',
    settle: { ...settle, answer: null, hangupCause: null, note: undefined },
  },
  {
    id: 'r3',
    at,
    kind: 'refusal',
    uniqueid: 'c3',
    refusal: {
      uniqueid: 'c3',
      accountId: null,
      src: '1',
      dst: '2',
      reason: 'ABANDONED',
      node: 'n1',
      start: new Date('2026-11-22T10:00:00.000Z'),
      end: new Date('2026-11-22T10:00:09.000Z'),
      note: 'caller hung up while identifying',
    },
  },
  { id: 'r4', at, kind: 'answer', uniqueid: 'c2', answer: new Date('2026-11-22T10:00:03Z') },
  { id: 'r5', at, kind: 'outage-grant', uniqueid: 'c2', grant },
  {
    id: 'r6',
    at,
    kind: 'outage-call',
    uniqueid: 'c2',
    grant,
    settle: { ...settle, uniqueid: 'c2' },
  },
];

describe('journal records', () => {
  for (const r of records) {
    it(`read a ${r.kind} back exactly as written (${r.id})`, () => {
      const expected = JSON.parse(
        JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)),
      );
      const read = fromLine(toLine(r).trimEnd());
      const actual = JSON.parse(
        JSON.stringify(read, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)),
      );
      assert.deepEqual(actual, expected);
    });
  }

  const line = JSON.parse(toLine(records[4]!)) as Record<string, unknown>;
  const damaged: Array<[string, unknown, RegExp]> = [
    [
      'a money amount as a JSON number',
      { ...line, grant: { ...(line.grant as object), maxCost: 30000 } },
      /grant\.maxCost must be a string/,
    ],
    [
      'a float-looking amount',
      { ...line, grant: { ...(line.grant as object), maxCost: '1.5' } },
      /grant\.maxCost is not valid: amount in minor units/,
    ],
    ['no kind', { ...line, kind: undefined }, /kind is required/],
    ['an unknown kind', { ...line, kind: 'charge' }, /kind must be one of settle, /],
    ['another version', { ...line, v: 2 }, /unknown format version 2/],
    ['an impossible time', { ...line, at: '2026-13-45T99:00:00Z' }, /is not an ISO time/],
    ['a missing body', { ...line, grant: undefined }, /grant is required/],
  ];
  for (const [what, value, message] of damaged) {
    it(`refuse a line with ${what}`, () => {
      assert.throws(
        () => fromLine(JSON.stringify(value)),
        (err: unknown) => err instanceof BadRecord && message.test(err.message),
      );
    });
  }
});

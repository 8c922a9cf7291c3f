/**
 * The JSON shapes of the API's resources (and their schemas, for openapi.ts). Money is always a
 * decimal string (formatMoney: exact, at least 2 decimals); times are ISO 8601 UTC strings.
 */
import { cdrFields } from '../cdr-fields.js';
import { formatMoney, type Money, type Rate } from '../rating/index.js';
import { DISPOSITIONS } from '../domain/cdr-vocabulary.js';
import type { Account } from '../session/ports.js';
import type { Reservation } from '../session/ports.js';
import type { AccountDetails } from '../store/accounts.js';
import type { Cdr } from '../store/cdrs.js';
import type { LedgerEntry } from '../store/ledger.js';
import type { LiveCallInfo } from './ports.js';
import type { ObjectSchema, Schema } from './schema.js';

export const money = (m: Money): string => formatMoney(m, 2);
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

const str = (description: string): Schema => ({ type: 'string', description });
const int = (description: string): Schema => ({ type: 'integer', description });
const nint = (description: string): Schema => ({ type: 'integer', description, nullable: true });
const amount = (description: string): Schema => ({
  type: 'string',
  description: `${description} (decimal string)`,
  example: '10.00',
});
const time = (description: string): Schema => ({
  type: 'string',
  format: 'date-time',
  description,
});
const obj = (properties: Record<string, Schema>): ObjectSchema => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
});

export function presentAccount(a: Account | AccountDetails): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: a.name,
    status: a.status,
    balance: money(a.balance),
    creditLimit: money(a.creditLimit),
    reserved: money(a.reserved),
    available: money(a.balance + a.creditLimit - a.reserved),
    currency: a.currency,
    tariff: a.tariff,
    maxCalls: a.maxCalls,
    maxCallSeconds: a.maxCallSeconds,
    hasPin: a.hasPin,
  };
  if ('anis' in a) {
    out.anis = a.anis;
    out.liveCalls = a.liveCalls;
    out.created = iso(a.created);
    out.updated = iso(a.updated);
  }
  return out;
}

export const accountSchema: ObjectSchema = {
  type: 'object',
  properties: {
    name: str('account name (what the phone endpoint sends as accountcode)'),
    status: { type: 'string', enum: ['active', 'blocked'] },
    balance: amount('prepaid balance'),
    creditLimit: amount('how far the balance may go below zero'),
    reserved: amount('held by calls in progress'),
    available: amount('balance + creditLimit - reserved: what new calls may use'),
    currency: str('ISO 4217 code'),
    tariff: str("the tariff whose rates price this account's calls"),
    maxCalls: nint('simultaneous calls allowed (null: unlimited)'),
    maxCallSeconds: nint("longest call in seconds (null: the daemon's default)"),
    hasPin: { type: 'boolean', description: 'a calling-card PIN is set' },
    anis: {
      type: 'array',
      items: str('caller ID number'),
      description: 'caller IDs that identify this account',
    },
    liveCalls: int('calls in progress'),
    created: time('creation time'),
    updated: time('last change'),
  },
  required: [
    'name',
    'status',
    'balance',
    'creditLimit',
    'reserved',
    'available',
    'currency',
    'tariff',
    'maxCalls',
    'maxCallSeconds',
    'hasPin',
  ],
};

export function presentRate(r: Rate): Record<string, unknown> {
  return {
    tariff: r.tariff,
    prefix: r.prefix,
    description: r.description,
    ratePerMin: money(r.ratePerMin),
    connectFee: money(r.connectFee),
    initialSecs: r.initialSecs,
    incrementSecs: r.incrementSecs,
    minSecs: r.minSecs,
  };
}

export const rateSchema: ObjectSchema = obj({
  tariff: str('tariff name'),
  prefix: str('destination prefix (digits); the longest matching prefix wins'),
  description: str('e.g. the country or network'),
  ratePerMin: amount('price of 60 billed seconds'),
  connectFee: amount('charged once per answered call'),
  initialSecs: int('first billing block in seconds (the 60 of 60/6)'),
  incrementSecs: int('each further block in seconds (the 6 of 60/6)'),
  minSecs: int('calls shorter than this are billed as this long'),
});

export function presentLedger(e: LedgerEntry, account: string): Record<string, unknown> {
  return {
    id: e.id,
    account,
    kind: e.kind,
    amount: money(e.amount),
    balanceAfter: money(e.balanceAfter),
    reference: e.reference,
    note: e.note,
    created: iso(e.created),
  };
}

export const ledgerSchema: ObjectSchema = obj({
  id: int('ledger entry id'),
  account: str('account name'),
  kind: { type: 'string', enum: ['topup', 'charge', 'adjustment'] },
  amount: amount('signed amount'),
  balanceAfter: amount('balance after this entry'),
  reference: { type: 'string', description: 'payment reference (unique per kind) or null' },
  note: { type: 'string', description: 'free text or null' },
  created: time('when it was booked'),
});

/** CDR columns, in the order of the CSV export. */
export const CDR_COLUMNS = [
  'id',
  'uniqueid',
  'account',
  'node',
  'src',
  'dst',
  'tariff',
  'prefix',
  'start',
  'answer',
  'end',
  'duration',
  'billsec',
  'disposition',
  'hangupCause',
  'reason',
  'ratePerMin',
  'connectFee',
  'maxSeconds',
  'maxCost',
  'cost',
  'status',
  'note',
] as const;

export function presentCdr(c: Cdr): Record<(typeof CDR_COLUMNS)[number], unknown> {
  return cdrFields(c, money);
}

export const cdrSchema: ObjectSchema = {
  type: 'object',
  properties: {
    id: int('CDR id'),
    uniqueid: str(
      'call attempt id (the A channel id, or <id>.<n> for later attempts of a card call)',
    ),
    account: str('account name, or null when the caller was not identified'),
    node: str('daemon node that handled the call'),
    src: str('caller number'),
    dst: str('dialled number'),
    tariff: str('tariff used, or null'),
    prefix: str('matched prefix, or null'),
    start: time('when the attempt reached the daemon'),
    answer: time('when the called party answered, or null'),
    end: time('when the call ended, or null while it is open'),
    duration: int('seconds from start to end'),
    billsec: int('talk seconds billed (capped at what was reserved)'),
    disposition: { type: 'string', enum: [...DISPOSITIONS], description: 'null while open' },
    hangupCause: nint('Q.850 cause, when known'),
    reason: str(
      'refusal reason for FAILED attempts (NOCREDIT, NOROUTE, BLOCKED, BADPIN, LIMIT, ...), or null',
    ),
    ratePerMin: amount('rate snapshot taken at authorisation, or null'),
    connectFee: amount('connection fee snapshot, or null'),
    maxSeconds: nint('talk time granted'),
    maxCost: amount('money reserved, or null'),
    cost: amount('money charged'),
    status: { type: 'string', enum: ['open', 'settled'] },
    note: str('free text, e.g. how an after-crash settlement was made'),
  },
  required: ['id', 'uniqueid', 'start', 'cost', 'status'],
};

export function presentCall(
  r: Reservation | undefined,
  live: LiveCallInfo | undefined,
  node: string,
): Record<string, unknown> {
  return {
    id: r?.uniqueid ?? live!.id,
    account: r?.account ?? live?.account ?? null,
    node: r?.node ?? node,
    state: live?.state ?? (r?.answer ? 'talking' : 'authorised'),
    destination: live?.destination ?? null,
    callerNumber: live?.callerNumber ?? null,
    started: iso(r?.created ?? null),
    answered: iso(r?.answer ?? live?.answeredAt ?? null),
    maxSeconds: r?.maxSeconds ?? live?.grantedSeconds ?? null,
    maxCost: r ? money(r.maxCost) : null,
  };
}

export const callSchema: ObjectSchema = {
  type: 'object',
  properties: {
    id: str('call id (the reservation uniqueid); use it with POST /calls/{id}/hangup'),
    account: str('account name, or null while not identified'),
    node: str('daemon node handling the call'),
    state: str(
      'session state when the call is on this node (e.g. dialling, talking), else authorised/talking from the reservation',
    ),
    destination: str('dialled number, when known on this node'),
    callerNumber: str('caller ID, when known on this node'),
    started: time('when the reservation was made, or null'),
    answered: time('when talk time started, or null'),
    maxSeconds: nint('talk time granted'),
    maxCost: amount('money reserved, or null'),
  },
  required: ['id', 'node', 'state'],
};

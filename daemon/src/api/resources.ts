/**
 * The schemas of the API's resources: what GET and POST answers contain. present.ts builds
 * values of exactly these types (`Static<typeof …>`), openapi.ts publishes these objects, and
 * the API tests check every answer against what the published document says.
 */
import { Nullable, StringEnum, Type, type Static } from '../schema/index.js';
import { DISPOSITIONS, REFUSAL_REASONS } from '../session/ports.js';

const str = (description: string) => Type.String({ description });
const int = (description: string) => Type.Integer({ description });
const nint = (description: string) => Nullable(Type.Integer({ description }));
const nstr = (description: string) => Nullable(Type.String({ description }));
const amount = (description: string) =>
  Type.String({ description: `${description} (decimal string)`, example: '10.00' });
const namount = (description: string) => Nullable(amount(description));
const time = (description: string) => Type.String({ format: 'date-time', description });
const ntime = (description: string) => Nullable(time(description));

export const accountSchema = Type.Object({
  name: str('account name (what the phone endpoint sends as accountcode)'),
  status: StringEnum(['active', 'blocked']),
  balance: amount('prepaid balance'),
  creditLimit: amount('how far the balance may go below zero'),
  reserved: amount('held by calls in progress'),
  available: amount('balance + creditLimit - reserved: what new calls may use'),
  currency: str('ISO 4217 code'),
  tariff: str("the tariff whose rates price this account's calls"),
  maxCalls: nint('simultaneous calls allowed (null: unlimited)'),
  maxCallSeconds: nint("longest call in seconds (null: the daemon's default)"),
  hasPin: Type.Boolean({ description: 'a calling-card PIN is set' }),
  anis: Type.Optional(
    Type.Array(str('caller ID number'), { description: 'caller IDs that identify this account' }),
  ),
  liveCalls: Type.Optional(int('calls in progress')),
  created: Type.Optional(time('creation time')),
  updated: Type.Optional(time('last change')),
});
export type AccountJson = Static<typeof accountSchema>;

export const rateSchema = Type.Object({
  tariff: str('tariff name'),
  prefix: str('destination prefix (digits); the longest matching prefix wins'),
  description: str('e.g. the country or network'),
  ratePerMin: amount('price of 60 billed seconds'),
  connectFee: amount('charged once per answered call'),
  initialSecs: int('first billing block in seconds (the 60 of 60/6)'),
  incrementSecs: int('each further block in seconds (the 6 of 60/6)'),
  minSecs: int('calls shorter than this are billed as this long'),
});
export type RateJson = Static<typeof rateSchema>;

export const ledgerSchema = Type.Object({
  id: int('ledger entry id'),
  account: str('account name'),
  kind: StringEnum(['topup', 'charge', 'adjustment']),
  amount: amount('signed amount'),
  balanceAfter: amount('balance after this entry'),
  reference: nstr("payment reference (unique per kind), the call's id for a charge, or null"),
  note: nstr('free text or null'),
  created: time('when it was booked'),
});
export type LedgerJson = Static<typeof ledgerSchema>;

export const cdrSchema = Type.Object({
  id: int('CDR id'),
  uniqueid: str(
    'call attempt id (the A channel id, or <id>.<n> for later attempts of a card call)',
  ),
  account: nstr('account name, or null when the caller was not identified'),
  node: str('daemon node that handled the call'),
  src: str('caller number'),
  dst: str('dialled number'),
  tariff: nstr('tariff used, or null'),
  prefix: nstr('matched prefix, or null'),
  start: time('when the attempt reached the daemon'),
  answer: ntime('when the called party answered, or null'),
  end: ntime('when the call ended, or null while it is open'),
  duration: int('seconds from start to end'),
  billsec: int('talk seconds billed (capped at what was reserved)'),
  disposition: Nullable(StringEnum(DISPOSITIONS, { description: 'null while open' })),
  hangupCause: nint('Q.850 cause, when known'),
  reason: Nullable(
    StringEnum(REFUSAL_REASONS, { description: 'refusal reason of a FAILED attempt, or null' }),
  ),
  ratePerMin: namount('rate snapshot taken at authorisation, or null'),
  connectFee: namount('connection fee snapshot, or null'),
  maxSeconds: nint('talk time granted'),
  maxCost: namount('money reserved, or null'),
  cost: amount('money charged'),
  trunk: nstr('routed calls: the carrier trunk that carried the call, else null'),
  buyCost: namount("routed calls: what the call cost at that trunk's buy rate, else null"),
  margin: namount('routed calls: cost minus buyCost (negative is a loss), else null'),
  tariffCurrency: nstr(
    "converted calls: the tariff's currency (cost is in the account's), else null",
  ),
  fxRate: nstr('converted calls: 1 tariffCurrency = fxRate of the account currency, as authorised'),
  tariffCost: namount("converted calls: the cost in the tariff's currency before conversion"),
  status: StringEnum(['open', 'settled']),
  note: nstr('free text, e.g. how an after-crash settlement was made'),
});
export type CdrJson = Static<typeof cdrSchema>;

export const callSchema = Type.Object({
  id: str('call id (the reservation uniqueid); use it with POST /calls/{id}/hangup'),
  account: nstr('account name, or null while not identified'),
  node: str('daemon node handling the call'),
  state: str(
    'session state when the call is on this node (e.g. dialling, talking), else authorised/talking from the reservation',
  ),
  destination: nstr('dialled number, when known on this node'),
  callerNumber: nstr('caller ID, when known on this node'),
  started: ntime('when the reservation was made, or null'),
  answered: ntime('when talk time started, or null'),
  maxSeconds: nint('talk time granted'),
  maxCost: namount('money reserved, or null'),
});
export type CallJson = Static<typeof callSchema>;
